package io.tablestream.sink;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Confluent JDBC sink keys without a tablestream key of the same name: accepted when they ask for what the sink does. */
class ConfluentSinkKeysTest {

    @Test
    void valuesThatAskForWhatTheSinkDoesAreAccepted() {
        TestRecords.config("dialect.name", "PostgreSqlDatabaseDialect", "table.types", "TABLE",
                "trim.sensitive.log", "true", "mssql.use.merge.holdlock", "false");
        TestRecords.config("dialect.name", "");
        TestRecords.config("table.types", "table");
    }

    @Test
    void valuesThatAskForSomethingElseAreRefusedNamingKeyAndFix() {
        assertRefused("dialect.name", "MySqlDatabaseDialect", "set it to PostgreSqlDatabaseDialect");
        assertRefused("table.types", "TABLE,VIEW", "set it to TABLE");
    }

    @Test
    void validationPinsTheErrorOnTheKey() {
        Map<String, String> props = TestRecords.props("table.types", "VIEW");
        List<ConfigValue> values = PostgresSinkConfig.CONFIG_DEF.validate(props);
        ConfigValue types = values.stream().filter(v -> v.name().equals("table.types")).findFirst().orElseThrow();
        assertEquals(1, types.errorMessages().size(), types.toString());
        assertTrue(values.stream().filter(v -> !v.name().equals("table.types")).allMatch(v -> v.errorMessages().isEmpty()));
    }

    @Test
    void dbTimezoneIsAZoneOfTheSinksOwn() {
        assertEquals(java.time.ZoneId.of("Europe/Berlin"), TestRecords.config("db.timezone", "Europe/Berlin")
                .dbTimeZone());
        assertEquals(java.time.ZoneId.of("UTC"), TestRecords.config().dbTimeZone());
        assertRefused("db.timezone", "Mars/Phobos", "Europe/Berlin");
    }

    private static void assertRefused(String key, String value, String fix) {
        ConfigException e = assertThrows(ConfigException.class, () -> TestRecords.config(key, value));
        String lastValue = value.substring(value.lastIndexOf(',') + 1); // a list is quoted as [TABLE, VIEW]
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(lastValue) && e.getMessage().contains(fix),
                e.getMessage());
    }
}
