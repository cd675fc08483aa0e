package io.tablestream.sink;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresSinkConfigTest {

    @Test
    void defaults() {
        PostgresSinkConfig config = TestRecords.config();
        assertEquals("${topic}", config.tableNameFormat());
        assertEquals(InsertMode.INSERT, config.insertMode());
        assertEquals(PkMode.NONE, config.pkMode());
        assertEquals(List.of(), config.pkFields());
        assertFalse(config.autoCreate());
        assertEquals(3000, config.batchSize());
        assertEquals(3000L, config.retryBackoffMs());
        assertEquals(10, config.maxRetries());
        assertEquals(WriteMethod.COPY, config.writeMethod());
        assertTrue(config.exactlyOnce());
        assertEquals("tablestream_sink_offsets", config.offsetsTableName());
        assertFalse(config.deleteEnabled());
        assertFalse(config.autoEvolve());
        assertEquals(List.of(), config.fieldsIncludeList());
    }

    @Test
    void fieldsWhitelistIsAnAliasAndADifferentListUnderBothNamesIsRefused() {
        assertEquals(List.of("a", "b"), TestRecords.config("fields.whitelist", "a,b").fieldsIncludeList());
        assertEquals(List.of("a", "b"), TestRecords.config("fields.whitelist", "a, b", "fields.include.list", "a,b")
                .fieldsIncludeList());
        // Both given and different: writing only one of the lists would drop columns the other asked for, unsaid.
        ConfigException e = assertThrows(ConfigException.class,
                () -> TestRecords.config("fields.whitelist", "a,b", "fields.include.list", "c"));
        assertTrue(e.getMessage().contains("fields.whitelist") && e.getMessage().contains("fields.include.list=c"),
                e.getMessage());
    }

    @Test
    void deletesNeedTheRecordKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> TestRecords.config("delete.enabled", "true",
                "pk.mode", "record_value", "pk.fields", "id"));
        assertTrue(e.getMessage().contains("configuration delete.enabled"), e.getMessage());
        TestRecords.config("delete.enabled", "true", "pk.mode", "record_key");
    }

    @Test
    void enumsAreCaseInsensitive() {
        PostgresSinkConfig config = TestRecords.config("insert.mode", "Upsert", "pk.mode", "RECORD_VALUE",
                "pk.fields", "id, line");
        assertEquals(InsertMode.UPSERT, config.insertMode());
        assertEquals(PkMode.RECORD_VALUE, config.pkMode());
        assertEquals(List.of("id", "line"), config.pkFields());
    }

    @Test
    void taskConfigRejectsUpsertWithoutKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> TestRecords.config("insert.mode", "upsert"));
        assertTrue(e.getMessage().contains("configuration insert.mode"), e.getMessage());
        assertTrue(e.getMessage().contains("record_key, record_value or kafka"), e.getMessage());
    }

    @Test
    void taskConfigRejectsRecordValueWithoutFields() {
        ConfigException e = assertThrows(ConfigException.class, () -> TestRecords.config("pk.mode", "record_value"));
        assertTrue(e.getMessage().contains("configuration pk.fields"), e.getMessage());
    }

    @Test
    void singleKeyChecksNameTheKey() {
        ConfigException mode = assertThrows(ConfigException.class, () -> TestRecords.config("pk.mode", "key"));
        assertTrue(mode.getMessage().contains("pk.mode"), mode.getMessage());
        ConfigException size = assertThrows(ConfigException.class, () -> TestRecords.config("batch.size", "0"));
        assertTrue(size.getMessage().contains("batch.size"), size.getMessage());
        ConfigException format = assertThrows(ConfigException.class,
                () -> TestRecords.config("table.name.format", ""));
        assertTrue(format.getMessage().contains("table.name.format"), format.getMessage());
    }

    @Test
    void passwordIsHiddenInTheConfigsText() {
        PostgresSinkConfig config = TestRecords.config("connection.password", "s3cret");
        assertEquals("s3cret", config.getPassword("connection.password").value());
        assertFalse(config.values().toString().contains("s3cret"));
    }
}
