package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableEvolutionTest {

    private static final TableId TABLE = TableId.parse("public.orders");

    private static SinkColumn column(String name, Schema schema) {
        return SinkColumn.of(name, schema, false, r -> null);
    }

    @Test
    void addsMissingColumnsAsNullableAndWidensSafely() {
        Map<String, String> existing = Map.of("id", "bigint", "qty", "smallint", "price", "real",
                "note", "character varying(20)", "Big Name", "integer");
        List<String> changes = TableEvolution.changes(TABLE.quoted(), TABLE, existing, List.of(
                column("id", Schema.INT32_SCHEMA), // narrower record type: the column already holds it
                column("qty", Schema.INT64_SCHEMA),
                column("price", Schema.FLOAT64_SCHEMA),
                column("note", Schema.STRING_SCHEMA),
                column("Big Name", Schema.INT32_SCHEMA),
                column("new \"col\"", Schema.STRING_SCHEMA)));
        assertEquals(List.of(
                "ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"qty\" TYPE bigint",
                "ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"price\" TYPE double precision",
                "ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"note\" TYPE text",
                "ALTER TABLE \"public\".\"orders\" ADD COLUMN IF NOT EXISTS \"new \"\"col\"\"\" text"), changes);
    }

    @Test
    void aFieldsDefaultValueBecomesTheAddedColumnsDefault() {
        List<String> changes = TableEvolution.changes(TABLE.quoted(), TABLE, Map.of("id", "bigint"), List.of(
                column("tier", SchemaBuilder.string().optional().defaultValue("it's basic").build()),
                column("points", SchemaBuilder.int32().optional().defaultValue(0).build()),
                column("note", Schema.OPTIONAL_STRING_SCHEMA)));
        assertEquals(List.of(
                "ALTER TABLE \"public\".\"orders\" ADD COLUMN IF NOT EXISTS \"tier\" text DEFAULT 'it''s basic'",
                "ALTER TABLE \"public\".\"orders\" ADD COLUMN IF NOT EXISTS \"points\" integer DEFAULT '0'",
                "ALTER TABLE \"public\".\"orders\" ADD COLUMN IF NOT EXISTS \"note\" text"), changes);
    }

    @Test
    void refusesANarrowingOrKindChangeNamingTableColumnAndTypes() {
        ConnectException e = assertThrows(ConnectException.class, () -> TableEvolution.changes(TABLE.quoted(), TABLE,
                Map.of("amount", "integer"), List.of(column("amount", Schema.FLOAT64_SCHEMA))));
        assertTrue(e.getMessage().contains("'amount'") && e.getMessage().contains("public.orders")
                && e.getMessage().contains("from integer to double precision"), e.getMessage());
    }

    @Test
    void leavesTypesOutsideTheWidenableFamiliesToTheDatabase() {
        assertFalse(TableEvolution.needsWidening(TABLE, "c", "numeric(10,2)", "double precision"));
        assertFalse(TableEvolution.needsWidening(TABLE, "c", "text", "bigint"));
        assertFalse(TableEvolution.needsWidening(TABLE, "c", "double precision", "integer"));
    }
}
