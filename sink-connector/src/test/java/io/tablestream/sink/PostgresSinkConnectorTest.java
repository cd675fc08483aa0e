package io.tablestream.sink;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresSinkConnectorTest {

    private static List<String> errors(Config config, String key) {
        return config.configValues().stream().filter(v -> v.name().equals(key)).findFirst()
                .map(ConfigValue::errorMessages).orElseThrow();
    }

    private static long errorCount(Config config) {
        return config.configValues().stream().mapToLong(v -> v.errorMessages().size()).sum();
    }

    @Test
    void upsertWithoutPrimaryKeyIsPinnedToInsertMode() {
        Config config = new PostgresSinkConnector().validate(TestRecords.props("insert.mode", "upsert"));

        List<String> errors = errors(config, PostgresSinkConfig.INSERT_MODE_CONFIG);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("upsert needs a primary key"), errors.get(0));
        assertTrue(errors.get(0).contains("pk.mode to record_key, record_value or kafka"), errors.get(0));
        assertEquals(1, errorCount(config), "no other key is blamed");
    }

    @Test
    void differentListsUnderFieldsIncludeListAndItsAliasArePinnedToTheAlias() {
        Config config = new PostgresSinkConnector().validate(TestRecords.props("fields.include.list", "a",
                "fields.whitelist", "b"));
        List<String> errors = errors(config, PostgresSinkConfig.FIELDS_WHITELIST_CONFIG);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("set only fields.include.list"), errors.get(0));
        assertEquals(1, errorCount(config));
        assertEquals(0, errorCount(new PostgresSinkConnector().validate(TestRecords.props("fields.include.list", "a",
                "fields.whitelist", "a"))));
    }

    @Test
    void enumeratedSettingsRecommendTheirValues() {
        Config config = new PostgresSinkConnector().validate(TestRecords.props());
        ConfigValue insertMode = config.configValues().stream()
                .filter(v -> v.name().equals(PostgresSinkConfig.INSERT_MODE_CONFIG)).findFirst().orElseThrow();
        assertEquals(List.of("insert", "upsert", "update"), insertMode.recommendedValues());
    }

    @Test
    void kafkaPkWithOtherThanZeroOrThreeFieldsIsPinnedToPkFields() {
        for (String fields : List.of("topic_only", "a,b", "a,b,c,d")) {
            Config config = new PostgresSinkConnector().validate(TestRecords.props("pk.mode", "kafka",
                    "pk.fields", fields));
            List<String> errors = errors(config, PostgresSinkConfig.PK_FIELDS_CONFIG);
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).contains("pk.mode=kafka takes no pk.fields") && errors.get(0).contains("three"),
                    errors.get(0));
            assertEquals(1, errorCount(config));
        }
        for (String fields : List.of("", "t,p,o")) {
            assertEquals(0, errorCount(new PostgresSinkConnector().validate(TestRecords.props("pk.mode", "kafka",
                    "pk.fields", fields))), fields);
        }
    }

    @Test
    void recordValueWithoutPkFieldsIsPinnedToPkFields() {
        Config config = new PostgresSinkConnector().validate(TestRecords.props("pk.mode", "record_value"));

        List<String> errors = errors(config, PostgresSinkConfig.PK_FIELDS_CONFIG);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("pk.mode=record_value needs pk.fields"), errors.get(0));
        assertEquals(1, errorCount(config));
    }

    @Test
    void upsertWithEmptyPkFieldsBlamesOnlyInsertMode() {
        Config config = new PostgresSinkConnector().validate(
                TestRecords.props("insert.mode", "upsert", "pk.mode", "none", "pk.fields", ""));
        assertEquals(1, errors(config, PostgresSinkConfig.INSERT_MODE_CONFIG).size());
        assertEquals(0, errors(config, PostgresSinkConfig.PK_FIELDS_CONFIG).size());
    }

    @Test
    void validSettingsInAnyCaseHaveNoErrors() {
        Config config = new PostgresSinkConnector().validate(TestRecords.props(
                "insert.mode", "UPSERT", "pk.mode", "Record_Key", "auto.create", "true",
                "table.name.format", "enriched_orders"));
        assertEquals(0, errorCount(config), config.configValues().toString());

        Config byValue = new PostgresSinkConnector().validate(TestRecords.props(
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "order_id,line"));
        assertEquals(0, errorCount(byValue));
    }

    @Test
    void anInvalidEnumIsReportedOnlyOnItsOwnKey() {
        Config config = new PostgresSinkConnector().validate(TestRecords.props("insert.mode", "merge"));
        List<String> errors = errors(config, PostgresSinkConfig.INSERT_MODE_CONFIG);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("merge"), errors.get(0));
    }

    @Test
    void missingUrlAndBadBatchSizeAreReportedOnTheirKeys() {
        Map<String, String> props = TestRecords.props("batch.size", "0");
        props.remove("connection.url");
        Config config = new PostgresSinkConnector().validate(props);
        assertEquals(1, errors(config, "connection.url").size());
        assertEquals(1, errors(config, PostgresSinkConfig.BATCH_SIZE_CONFIG).size());
    }

    @Test
    void startRejectsCrossFieldProblemsNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new PostgresSinkConnector().start(TestRecords.props("insert.mode", "upsert")));
        assertTrue(e.getMessage().contains("insert.mode"), e.getMessage());
    }

    @Test
    void taskConfigsAreCopiesOfTheConnectorConfig() {
        PostgresSinkConnector connector = new PostgresSinkConnector();
        Map<String, String> props = TestRecords.props("topics", "orders", "pk.mode", "record_key");
        connector.start(props);

        List<Map<String, String>> configs = connector.taskConfigs(3);

        assertEquals(3, configs.size());
        configs.forEach(c -> assertEquals(props, c));
        assertSame(PostgresSinkTask.class, connector.taskClass());
    }

    @Test
    void describesItself() {
        PostgresSinkConnector connector = new PostgresSinkConnector();
        assertSame(PostgresSinkConfig.CONFIG_DEF, connector.config());
        assertNotEquals("unknown", connector.version());
        assertEquals(connector.version(), new PostgresSinkTask().version());
        assertTrue(connector.alterOffsets(TestRecords.props(), Map.of(new TopicPartition("orders", 0), 5L)));
    }

    @Test
    void isFoundByServiceLoading() {
        boolean found = ServiceLoader.load(SinkConnector.class).stream()
                .anyMatch(p -> p.type() == PostgresSinkConnector.class);
        assertTrue(found, "META-INF/services registers the connector for plugin.discovery=service_load");
    }
}
