package io.tablestream.testkit;

import com.fasterxml.jackson.databind.JsonNode;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TablestreamStack.class)
class StackSmokeIT {

    /** The first stack any IT class saw: every class must get the very same one. */
    static final AtomicReference<Stack> SEEN = new AtomicReference<>();

    private final Stack stack;

    StackSmokeIT(Stack stack) {
        this.stack = stack;
        SEEN.compareAndSet(null, stack);
    }

    @Test
    void stackIsSharedAndReportsStartTimes() {
        assertSame(SEEN.get(), stack);
        System.out.println("[StackSmokeIT] stack start times: " + stack.timings());
    }

    @Test
    void postgresIsVersion18WithLogicalWal() throws SQLException {
        String url = stack.postgres().createDatabase("smoke_pg");
        assertTrue(url.endsWith("/smoke_pg"), url);
        try (Connection c = stack.postgres().connect("smoke_pg"); Statement s = c.createStatement()) {
            String version = scalar(s, "select version()");
            if (stack.postgres().isEmbedded()) {
                assertTrue(version.startsWith("PostgreSQL 18."), version);
            }
            assertEquals("logical", scalar(s, "show wal_level"));
            assertEquals("smoke_pg", scalar(s, "select current_database()"));
            s.execute("create table t (id int primary key)");
            // A logical slot pins the database: createDatabase must still be able to re-create it.
            scalar(s, "select slot_name from pg_create_logical_replication_slot('smoke_slot', 'pgoutput')");
        }
        stack.postgres().createDatabase("smoke_pg");
        try (Connection c = stack.postgres().connect("smoke_pg"); Statement s = c.createStatement()) {
            assertEquals("0", scalar(s, "select count(*) from pg_tables where tablename = 't'"));
            assertEquals("0", scalar(s, "select count(*) from pg_replication_slots where slot_name = 'smoke_slot'"));
        }
        stack.postgres().dropDatabase("smoke_pg");
    }

    @Test
    void kafkaProducerConsumerRoundTrip() throws Exception {
        KafkaBroker kafka = stack.kafka();
        kafka.createTopic("smoke-roundtrip", 3);
        Map<String, Object> producerProps = Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all");
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("smoke-roundtrip", "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records =
                TopicReader.records(kafka.bootstrapServers(), "smoke-roundtrip", 10, Duration.ofSeconds(60));
        assertEquals(10, records.size());
        assertEquals(Set.of("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"),
                records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).collect(Collectors.toSet()));
    }

    @Test
    void connectListsClasspathPlugins() {
        Set<String> connectors = classes(stack.rest().connectorPlugins());
        // Kafka 4.3's connect-runtime ships no connectors itself (MirrorMaker / FileStream are separate artifacts);
        // ours comes from this module's test META-INF/services.
        assertTrue(connectors.contains(CounterSourceConnector.class.getName()), connectors.toString());

        Set<String> all = classes(stack.rest().connectorPlugins(false));
        assertTrue(all.contains("org.apache.kafka.connect.json.JsonConverter"), all.toString());
        assertTrue(all.contains("org.apache.kafka.connect.transforms.TimestampRouter"), all.toString());
        assertTrue(all.contains("org.apache.kafka.connect.transforms.predicates.TopicNameMatches"), all.toString());
    }

    @Test
    void validateAnswers200WithErrorCounts() {
        JsonNode ok = stack.rest().validate("CounterSourceConnector", Map.of("topic", "t"));
        assertEquals("CounterSourceConnector", ok.get("name").asText());
        assertEquals(0, ok.get("error_count").asInt(), () -> errors(ok).toString());

        // missing required "topic", count out of range
        JsonNode bad = stack.rest().validate("CounterSourceConnector", Map.of("count", "-1"));
        assertEquals(2, bad.get("error_count").asInt(), () -> errors(bad).toString());
        assertEquals(Set.of("topic", "count"), errors(bad).keySet());

        // the raw endpoint: a mismatching connector.class is a 400 with Connect's message
        ConnectRestException mismatch = assertThrows(ConnectRestException.class,
                () -> stack.rest().validate("CounterSourceConnector", Map.of("connector.class", "OtherConnector")));
        assertEquals(400, mismatch.statusCode());
        assertTrue(mismatch.body().contains("does not match"), mismatch.body());
    }

    /** config name -> errors, for the configs that have errors */
    private static Map<String, String> errors(JsonNode validation) {
        Map<String, String> errors = new java.util.TreeMap<>();
        for (JsonNode config : validation.get("configs")) {
            JsonNode value = config.get("value");
            if (!value.get("errors").isEmpty()) {
                errors.put(value.get("name").asText(), value.get("errors").toString());
            }
        }
        return errors;
    }

    @Test
    void connectorRunsAndWritesThroughJsonConverter() {
        ConnectRestClient rest = stack.rest();
        Map<String, Object> info = rest.createOrUpdateConnector("smoke-counter", Map.of(
                "connector.class", "CounterSourceConnector",
                "tasks.max", "1",
                "topic", "smoke-counter",
                "count", "5"));
        assertEquals("smoke-counter", info.get("name"));
        rest.awaitRunning("smoke-counter", Duration.ofSeconds(60));
        assertTrue(rest.connectors().contains("smoke-counter"));

        List<ConsumerRecord<byte[], byte[]>> records =
                TopicReader.records(stack.kafka().bootstrapServers(), "smoke-counter", 5, Duration.ofSeconds(60));
        assertEquals(5, records.size());
        assertEquals("{\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":0}",
                new String(records.get(0).value(), StandardCharsets.UTF_8));

        rest.deleteConnector("smoke-counter");
        assertFalse(rest.deleteConnectorIfExists("smoke-counter"));
    }

    @Test
    void awaitRunningFailsFastWithTheTaskTrace() {
        ConnectRestClient rest = stack.rest();
        rest.createOrUpdateConnector("smoke-failing", Map.of(
                "connector.class", CounterSourceConnector.class.getName(), "topic", "smoke-failing", "fail.task", "true"));
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> rest.awaitRunning("smoke-failing", Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("FAILED") && e.getMessage().contains("CounterTask told to fail"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "should fail fast");
        rest.deleteConnector("smoke-failing");

        // A config that fails validation is rejected by PUT with 400, before the connector exists.
        ConnectRestException rejected = assertThrows(ConnectRestException.class, () -> rest.createOrUpdateConnector(
                "smoke-invalid", Map.of("connector.class", "CounterSourceConnector", "topic", "x", "count", "oops")));
        assertEquals(400, rejected.statusCode(), rejected.getMessage());
        assertFalse(rest.connectors().contains("smoke-invalid"));
    }

    @Test
    void restErrorsCarryStatusAndBody() {
        ConnectRestException e = assertThrows(ConnectRestException.class, () -> stack.rest().status("no-such-connector"));
        assertEquals(404, e.statusCode());
        assertTrue(e.body().contains("no-such-connector"), e.body());
    }

    private static Set<String> classes(List<Map<String, Object>> plugins) {
        return plugins.stream().map(p -> (String) p.get("class")).collect(Collectors.toSet());
    }

    private static String scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }
}
