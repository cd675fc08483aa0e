package io.tablestream.enricher;

import io.tablestream.enricher.LookupSpec.JoinType;
import io.tablestream.enricher.LookupSpec.Semantics;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnricherConfigTest {

    private static Map<String, String> required() {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", "kafka-1:9092,kafka-2:9092");
        props.put("input.topic", "orders");
        props.put("lookup.topic", "customers");
        props.put("output.topic", "enriched_orders");
        props.put("join.field", "customer_id");
        return props;
    }

    @Test
    void defaults() {
        EnricherConfig config = new EnricherConfig(required());

        assertEquals("tablestream-enricher", config.applicationId());
        assertEquals(List.of(new LookupSpec("customers", "customers", "customer_id", List.of(), "customers_",
                JoinType.INNER, Semantics.STREAM, 0, 3_600_000, 600_000, true, true)), config.lookups());
        assertEquals(-1, config.httpPort());
        assertEquals(null, config.deadLetterTopic());
        assertEquals("exactly_once_v2", config.processingGuarantee());

        Properties streams = config.streamsProperties();
        assertEquals("tablestream-enricher", streams.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("kafka-1:9092,kafka-2:9092", streams.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("exactly_once_v2", streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(BadRecords.StopOnBadRecord.class.getName(),
                streams.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals(BadRecords.StopOnBadRecord.class.getName(),
                streams.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals(DefaultProductionExceptionHandler.class.getName(),
                streams.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
    }

    @Test
    void unknownKeysPassThroughToStreamsAndEnricherKeysDoNot() {
        Map<String, String> props = required();
        props.put("state.dir", "/var/lib/enricher");
        props.put("commit.interval.ms", "250");
        props.put("consumer.max.poll.records", "100");

        Properties streams = new EnricherConfig(props).streamsProperties();

        assertEquals("/var/lib/enricher", streams.get("state.dir"));
        assertEquals("250", streams.get("commit.interval.ms"));
        assertEquals("100", streams.get("consumer.max.poll.records"));
        for (String enricherKey : List.of("input.topic", "lookup.topic", "output.topic", "join.field")) {
            assertFalse(streams.containsKey(enricherKey), enricherKey);
        }
    }

    @Test
    void producersBatchUpTo256KiBUnlessTheFileSetsABatchSize() {
        assertEquals(262_144, new EnricherConfig(required()).streamsProperties().get("producer.batch.size"));

        Map<String, String> unprefixed = required();
        unprefixed.put("batch.size", "32768");
        Properties streams = new EnricherConfig(unprefixed).streamsProperties();
        assertEquals("32768", streams.get("batch.size"));
        assertFalse(streams.containsKey("producer.batch.size"), "the file's batch.size must reach the producer");

        Map<String, String> prefixed = required();
        prefixed.put("producer.batch.size", "65536");
        assertEquals("65536", new EnricherConfig(prefixed).streamsProperties().get("producer.batch.size"));
    }

    @Test
    void explicitValuesAreUsed() {
        Map<String, String> props = required();
        props.put("application.id", "orders-enricher");
        props.put("join.type", "LEFT");
        props.put("lookup.fields", "name, city");
        props.put("lookup.prefix", "cust_");
        props.put("processing.guarantee", "at_least_once");

        EnricherConfig config = new EnricherConfig(props);

        LookupSpec lookup = config.lookups().get(0);
        assertEquals(JoinType.LEFT, lookup.joinType());
        assertEquals(List.of("name", "city"), lookup.fields());
        assertEquals("cust_", lookup.prefix());
        assertEquals("orders-enricher", config.streamsProperties().get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("at_least_once", config.streamsProperties().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    @Test
    void badJoinTypeIsRejectedNamingKeyAndValue() {
        Map<String, String> props = required();
        props.put("join.type", "outer");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("join.type") && error.getMessage().contains("outer"),
                error.getMessage());
    }

    @Test
    void missingRequiredKeyIsRejectedNamingIt() {
        Map<String, String> props = required();
        props.remove("join.field");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("join.field"), error.getMessage());
    }

    @Test
    void blankTopicIsRejectedWithTheFix() {
        Map<String, String> props = required();
        props.put("lookup.topic", " ");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("lookup.topic") && error.getMessage().contains("customers"),
                error.getMessage());
    }

    @Test
    void outputTopicMustNotBeAnInputTopic() {
        Map<String, String> props = required();
        props.put("output.topic", "orders");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("output.topic"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "customers", "enriched_orders"})
    void deadLetterTopicMustNotBeATopicTheEnricherReadsOrWrites(String topic) {
        Map<String, String> props = required();
        props.put("errors.deadletter.topic", topic);

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("errors.deadletter.topic") && error.getMessage().contains(topic)
                && error.getMessage().contains("enricher_dlq"), error.getMessage());
    }

    @Test
    void indexedLookupsAreParsedInOrder() {
        Map<String, String> props = required();
        props.remove("lookup.topic");
        props.remove("join.field");
        props.put("lookups", "customers, regions");
        props.put("lookup.customers.topic", "customers");
        props.put("lookup.customers.join.field", "customer_id");
        props.put("lookup.customers.semantics", "GLOBAL");
        props.put("lookup.regions.topic", "regions");
        props.put("lookup.regions.join.field", "customers_region_id");
        props.put("lookup.regions.join.type", "left");
        props.put("lookup.regions.fields", "label");
        props.put("lookup.regions.prefix", "region_");
        props.put("lookup.regions.grace.ms", "7200000");

        EnricherConfig config = new EnricherConfig(props);

        assertEquals(List.of(
                new LookupSpec("customers", "customers", "customer_id", List.of(), "customers_", JoinType.INNER,
                        Semantics.GLOBAL, 0, 3_600_000, 0, true, false),
                new LookupSpec("regions", "regions", "customers_region_id", List.of("label"), "region_",
                        JoinType.LEFT, Semantics.STREAM, 7_200_000, 7_200_000, 600_000, true, false)), config.lookups());
        assertFalse(config.streamsProperties().containsKey("lookup.regions.topic"));
        assertFalse(config.streamsProperties().containsKey("lookups"));
    }

    @Test
    void indexedLookupWithoutTopicIsRejectedNamingTheIndexedKey() {
        Map<String, String> props = required();
        props.remove("lookup.topic");
        props.remove("join.field");
        props.put("lookups", "customers");
        props.put("lookup.customers.join.field", "customer_id");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("lookup.customers.topic"), error.getMessage());
    }

    @Test
    void lookupsAndShorthandTogetherAreRejected() {
        Map<String, String> props = required();
        props.put("lookups", "customers");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("lookups") && error.getMessage().contains("lookup.<name>.topic"),
                error.getMessage());
    }

    @Test
    void tableSemanticsCannotBeMixedWithStreamSemantics() {
        Map<String, String> props = required();
        props.remove("lookup.topic");
        props.remove("join.field");
        props.put("lookups", "customers,regions");
        props.put("lookup.customers.topic", "customers");
        props.put("lookup.customers.join.field", "customer_id");
        props.put("lookup.customers.semantics", "table");
        props.put("lookup.regions.topic", "regions");
        props.put("lookup.regions.join.field", "region_id");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("lookup.regions.semantics"), error.getMessage());
    }

    @Test
    void aLookupReadingTheInputTopicIsRejectedNamingTheKeyTheFileHas() {
        Map<String, String> props = required();
        props.put("lookup.topic", "orders");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().startsWith("Invalid value orders for configuration lookup.topic:"),
                error.getMessage());
    }

    @Test
    void historyShorterThanGraceIsRejected() {
        Map<String, String> props = required();
        props.put("lookup.grace.ms", "5000");
        props.put("lookup.history.retention.ms", "1000");

        ConfigException error = assertThrows(ConfigException.class, () -> new EnricherConfig(props));

        assertTrue(error.getMessage().contains("lookup.history.retention.ms"), error.getMessage());
    }

    @Test
    void deadLetterTopicSwitchesTheHandlersToContinue() {
        Map<String, String> props = required();
        props.put("errors.deadletter.topic", "enricher_dlq");

        Properties streams = new EnricherConfig(props).streamsProperties();

        assertEquals("enricher_dlq", streams.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
        assertEquals(LogAndContinueExceptionHandler.class.getName(),
                streams.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertFalse(streams.containsKey("errors.deadletter.topic"));
    }

    @Test
    void environmentVariablesMapToKeys() {
        Map<String, String> overrides = EnricherConfig.environmentOverrides(Map.of(
                "TABLESTREAM_ENRICHER_INPUT_TOPIC", "orders",
                "TABLESTREAM_ENRICHER_LOOKUP_CUSTOMERS__EU_JOIN_FIELD", "customer_id",
                "TABLESTREAM_ENRICHER_APPLICATION_ID", "enricher___eu",
                "PATH", "/usr/bin"));

        assertEquals(Map.of("input.topic", "orders", "lookup.customers_eu.join.field", "customer_id",
                "application.id", "enricher___eu"), overrides);
    }

    @Test
    void valueConverterIsConfiguredFromItsPrefixedKeys() {
        Map<String, String> props = required();
        props.put("value.converter.schemas.enable", "false");

        EnricherConfig config = new EnricherConfig(props);
        byte[] json = config.valueConverter().fromConnectData("orders", null, Map.of("id", 1));

        assertEquals("{\"id\":1}", new String(json, java.nio.charset.StandardCharsets.UTF_8));
        assertFalse(config.streamsProperties().containsKey("value.converter.schemas.enable"));
    }
}
