package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableSelectorTest {

    private static TableSelector selector(List<String> include, List<String> exclude) {
        return new TableSelector(include, exclude, "", List.of("TABLE"));
    }

    @Test
    void plainNamesMatchExactlyAndBareNamesMeanPublic() {
        TableSelector selector = selector(List.of("orders", "sales.invoices", "\"Mixed Case\""), List.of());
        assertTrue(selector.matches(TableId.parse("public.orders")));
        assertTrue(selector.matches(TableId.parse("sales.invoices")));
        assertTrue(selector.matches(new TableId("public", "Mixed Case")));
        assertFalse(selector.matches(TableId.parse("sales.orders")));
        assertFalse(selector.matches(TableId.parse("salesXinvoices")), "a plain dot is not a regex wildcard");
        assertEquals(List.of(TableId.parse("orders"), TableId.parse("sales.invoices"), new TableId("public", "Mixed Case")),
                selector.namedTables());
    }

    @Test
    void regexesMatchSchemaQualifiedOrBareInPublic() {
        TableSelector selector = selector(List.of("sales\\..*", "ord.*"), List.of("sales\\.tmp_.*", "orders_archive"));
        assertTrue(selector.matches(TableId.parse("sales.invoices")));
        assertTrue(selector.matches(TableId.parse("orders")));
        assertFalse(selector.matches(TableId.parse("other.orders")), "bare-name matching is for public only");
        assertFalse(selector.matches(TableId.parse("sales.tmp_1")));
        assertFalse(selector.matches(TableId.parse("orders_archive")));
        assertTrue(selector.namedTables().isEmpty());
    }

    @Test
    void anEmptyIncludeListSelectsEverythingNotExcluded() {
        TableSelector selector = selector(List.of(), List.of("audit_.*"));
        assertTrue(selector.matches(TableId.parse("x.y")));
        assertFalse(selector.matches(TableId.parse("audit_log")));
    }

    @Test
    void invalidRegexesAndTableTypesAreRejectedWithTheFix() {
        ConfigException regex = assertThrows(ConfigException.class,
                () -> TableSelector.PATTERN_LIST_VALIDATOR.ensureValid("table.include.list", List.of("orders(")));
        assertTrue(regex.getMessage().contains("quote names"), regex.getMessage());
        ConfigException type = assertThrows(ConfigException.class,
                () -> TableSelector.TABLE_TYPES_VALIDATOR.ensureValid("table.types", List.of("SYNONYM")));
        assertTrue(type.getMessage().contains("MATERIALIZED VIEW"), type.getMessage());
        TableSelector.TABLE_TYPES_VALIDATOR.ensureValid("table.types", List.of("table", "materialized  view"));
    }
}
