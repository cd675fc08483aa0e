package io.tablestream.e2e.enricher;

import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An enricher of the previous build, stopped with records it had routed still unread in its repartition topic and
 * routes in its store, then started on this build: nothing is lost. The previous build wrote each repartitioned
 * value with its whole schema ({@code [3][key length][key][0][schema length][schema JSON][values]}); this one names
 * the schema by id, and reads both. The test writes the internal topics as the previous build left them: the route
 * of order 1 in {@code customers-last-route-by-input-key}, which the tombstone of order 1 sent after the upgrade
 * (it carries no join key) must follow; and, once orders sent to the new build show every customer is in the
 * lookup table (so nothing waits for its row), an order routed to customer 1, an order routed to customer 2 and
 * the tombstone that deleted it, in the repartition topic.
 */
@ExtendWith(TablestreamStack.class)
class EnricherUpgradeIT {

    private static final String APP = "upgrade-it-enricher";
    private static final int PARTITIONS = 2;
    private static final int CUSTOMER_COUNT = 5;

    private final KafkaBroker kafka;
    private final EnricherFixture fixture;

    EnricherUpgradeIT(KafkaBroker kafka) {
        this.kafka = kafka;
        this.fixture = new EnricherFixture(kafka, "upgrade_", Duration.ofSeconds(90));
    }

    @AfterEach
    void stopEnricher() {
        fixture.close();
    }

    @Test
    void recordsLeftByThePreviousBuildInItsTopicsAndStoresAreJoinedAndDeleted(@TempDir Path stateDir)
            throws Exception {
        fixture.createTopics(PARTITIONS);
        // The lookup is named after its topic.
        String repartition = APP + "-" + fixture.customers + "-input-by-join-key-repartition";
        String routes = APP + "-" + fixture.customers + "-last-route-by-input-key-changelog";
        kafka.createTopic(repartition, PARTITIONS);
        kafka.createTopic(routes, PARTITIONS, Map.of("cleanup.policy", "compact"));
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.sendCustomers(producer, CUSTOMER_COUNT);
            producer.send(new ProducerRecord<>(routes, fixture.key(fixture.orders, 1), utf8("1")));
            producer.flush();
        }

        fixture.start(EnricherFixture.with(fixture.enrichingConfig(APP), "state.dir", stateDir.toString()));
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            // Orders 3..10 point to every customer: once they are enriched, every customer is in the lookup table,
            // so the records below join at once rather than wait.
            fixture.sendOrders(producer, 3, 10, CUSTOMER_COUNT);
            producer.flush();
        }
        Map<Integer, String> sentinels = new TreeMap<>(EnricherFixture.expectedEnrichments(10, CUSTOMER_COUNT));
        sentinels.remove(1);
        sentinels.remove(2);
        assertEquals(sentinels, states(fixture.readCommitted(fixture.output,
                records -> sentinels.equals(states(records).latest()))).latest(), "orders 3..10 enriched");
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            // Records the previous build left in its repartition topic; join keys as UTF-8 keys, partitioned as
            // Kafka Streams does. Then the tombstone of order 1, which must follow order 1's recorded route.
            producer.send(new ProducerRecord<>(repartition, utf8("1"), previousBuildRecord(1, 1)));
            producer.send(new ProducerRecord<>(repartition, utf8("2"), previousBuildRecord(2, 2)));
            producer.send(new ProducerRecord<>(repartition, utf8("2"), previousBuildTombstone(2)));
            producer.flush();
            producer.send(new ProducerRecord<>(fixture.orders, fixture.key(fixture.orders, 1), null));
            producer.flush();
        }

        Map<Integer, String> expected = new TreeMap<>(sentinels);
        expected.put(1, "deleted");
        expected.put(2, "deleted");
        List<ConsumerRecord<byte[], byte[]>> out = fixture.readCommitted(fixture.output,
                records -> expected.equals(states(records).latest()));
        States states = states(out);
        assertEquals(expected, states.latest(), "latest state of each order in " + out.size() + " records");
        assertEquals("1:c1", states.first().get(1), "order 1 joined before its tombstone");
        assertEquals("2:c2", states.first().get(2), "order 2 joined before its tombstone");
        assertEquals(12, out.size(), "orders 3..10 once, orders 1 and 2 joined once and deleted once");
        assertTrue(kafka.topics().contains(APP + "-internal-schemas"), "the schemas of this build's values are in Kafka");
    }

    /** The first and the latest state of each order in the output: its enrichment, or "deleted". */
    private record States(Map<Integer, String> first, Map<Integer, String> latest) {
    }

    private States states(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<Integer, String> latest = new TreeMap<>();
        Map<Integer, String> first = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String state = record.value() == null ? "deleted" : EnricherFixture.enrichment(fixture.valueOf(record));
            latest.put(fixture.idOf(record), state);
            first.putIfAbsent(fixture.idOf(record), state);
        }
        return new States(first, latest);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** An order as the previous build wrote it to the repartition topic: format 3, its value with its schema. */
    private byte[] previousBuildRecord(int id, int customerId) throws IOException {
        Struct order = new Struct(EnricherFixture.ORDER).put("id", id).put("customer_id", customerId);
        JsonConverter schemas = new JsonConverter();
        schemas.configure(Map.of("schemas.enable", "true"), false);
        byte[] schema = schemas.asJsonSchema(EnricherFixture.ORDER).toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(previousBuildTombstone(id));
            out.writeByte(0);
            out.writeInt(schema.length);
            out.write(schema);
            out.writeByte(1);
            for (Field field : EnricherFixture.ORDER.fields()) {
                out.writeByte(1);
                out.writeInt(order.getInt32(field.name()));
            }
        }
        return bytes.toByteArray();
    }

    /** A tombstone as the previous build wrote it: format 3, the order's key, no value. */
    private byte[] previousBuildTombstone(int id) throws IOException {
        byte[] key = fixture.key(fixture.orders, id);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(3);
            out.writeInt(key.length);
            out.write(key);
        }
        return bytes.toByteArray();
    }
}
