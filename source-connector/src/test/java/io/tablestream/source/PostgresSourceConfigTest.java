package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.NumericMapping;
import io.tablestream.jdbc.types.TimePrecisionMode;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresSourceConfigTest {

    private static Map<String, String> props(String... keyValues) {
        Map<String, String> props = new HashMap<>(Map.of("connection.url", "jdbc:postgresql://localhost/shop",
                "mode", "incrementing", "incrementing.column.name", "id"));
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return props;
    }

    private static PostgresSourceConfig config(String... keyValues) {
        return new PostgresSourceConfig(props(keyValues));
    }

    @Test
    void enumeratedValuesAreReadCaseInsensitivelyAndDefaulted() {
        PostgresSourceConfig config = config("mode", " Timestamp+Incrementing ", "timestamp.column.name", "at",
                "numeric.mapping", "BEST_FIT");
        assertEquals(Mode.TIMESTAMP_INCREMENTING, config.mode());
        assertEquals(NumericMapping.BEST_FIT, config.typeOptions().numericMapping());
        assertEquals(TimePrecisionMode.MICROSECONDS, config.typeOptions().timePrecision());
        ConfigException e = assertThrows(ConfigException.class, () -> config("mode", "incremental"));
        assertTrue(e.getMessage().contains("mode") && e.getMessage()
                .contains("incrementing, timestamp, timestamp+incrementing, bulk, query, cdc"), e.getMessage());
    }

    @Test
    void confluentsOlderSwitchesApplyOnlyWhenTheNewKeyIsNotSet() {
        assertEquals(NumericMapping.PRECISION_ONLY,
                config("numeric.precision.mapping", "true").typeOptions().numericMapping());
        assertEquals(NumericMapping.NONE, config("numeric.precision.mapping", "true", "numeric.mapping", "none")
                .typeOptions().numericMapping());
        assertEquals(TimePrecisionMode.CONNECT,
                config("timestamp.granularity", "connect_logical").typeOptions().timePrecision());
    }

    @Test
    void confluentKeysAskingForWhatTablestreamDoesNotDoAreRefusedWithTheFix() {
        ConfigException dialect = assertThrows(ConfigException.class, () -> config("dialect.name", "MySqlDatabaseDialect"));
        assertTrue(dialect.getMessage().contains("PostgreSQL only"), dialect.getMessage());
        ConfigException quoting = assertThrows(ConfigException.class, () -> config("quote.sql.identifiers", "never"));
        assertTrue(quoting.getMessage().contains("set it to always"), quoting.getMessage());
        ConfigException nanos = assertThrows(ConfigException.class,
                () -> config("timestamp.granularity", "nanos_long"));
        assertTrue(nanos.getMessage().contains("time.precision.mode=microseconds"), nanos.getMessage());
        config("dialect.name", "PostgreSqlDatabaseDialect", "quote.sql.identifiers", "ALWAYS",
                "transaction.isolation.mode", "serializable");
    }

    @Test
    void theModeNamesTheSettingsItNeedsAndRefusesTheOnesItWouldIgnore() {
        assertTrue(PostgresSourceConfig.modeSettingProblem(Mode.INCREMENTING, "incrementing.column.name", " ")
                .contains("needs the name of a strictly increasing column"));
        assertTrue(PostgresSourceConfig.modeSettingProblem(Mode.TIMESTAMP, "timestamp.column.name", "")
                .contains("timestamp column"));
        assertTrue(PostgresSourceConfig.modeSettingProblem(Mode.BULK, "query", "SELECT 1")
                .contains("set mode=query"));
        assertTrue(PostgresSourceConfig.modeSettingProblem(Mode.TIMESTAMP, "timestamp.column.name", "a,b")
                .contains("one timestamp column"));
        assertNull(PostgresSourceConfig.modeSettingProblem(Mode.BULK, "incrementing.column.name", ""));
        ConfigException e = assertThrows(ConfigException.class, () -> config("incrementing.column.name", ""));
        assertTrue(e.getMessage().contains("incrementing.column.name"), e.getMessage());
    }

    @Test
    void tableWhitelistIsAnAliasAndADifferentListUnderBothNamesIsRefused() {
        assertEquals(List.of(TableId.parse("orders")), config("table.whitelist", "orders").includedTables());
        assertEquals(List.of(TableId.parse("orders")), config("table.whitelist", "orders", "table.include.list",
                " orders").includedTables());
        ConfigException e = assertThrows(ConfigException.class,
                () -> config("table.include.list", "orders", "table.whitelist", "customers"));
        assertTrue(e.getMessage().contains("table.whitelist") && e.getMessage().contains("table.include.list"),
                e.getMessage());
        assertThrows(ConfigException.class, () -> config("table.exclude.list", "a", "table.blacklist", "b"));
    }

    @Test
    void validatePinsAnAliasConflictOnTheOlderName() {
        Config result = new PostgresSourceConnector().validate(props("table.include.list", "orders",
                "table.whitelist", "customers"));
        ConfigValue whitelist = result.configValues().stream().filter(v -> v.name().equals("table.whitelist"))
                .findFirst().orElseThrow();
        assertEquals(1, whitelist.errorMessages().size(), whitelist.errorMessages().toString());
        assertTrue(whitelist.errorMessages().get(0).contains("set only table.include.list"));
    }

    @Test
    void topicsAreNamedByThePrefix() {
        PostgresSourceConfig config = config("topic.prefix", "pg.");
        assertEquals("pg.orders", config.topicFor(TableId.parse("orders")));
        assertEquals("pg.sales.orders", config.topicFor(TableId.parse("sales.orders")));
        assertEquals("pg.", config.queryTopic());
    }
}
