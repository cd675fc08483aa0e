package io.tablestream.e2e.enricher;

import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two enricher instances share a 4-partition input on the real broker; one is stopped mid-stream and the other
 * takes over. With exactly_once_v2, a read_committed consumer sees every order enriched exactly once.
 */
@ExtendWith(TablestreamStack.class)
class EnricherFailoverIT {

    private static final String PREFIX = "failover_";
    private static final String DEAD_LETTERS = PREFIX + "dlq";
    private static final int ORDER_COUNT = 600;
    private static final int CUSTOMER_COUNT = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final KafkaBroker kafka;
    private final EnricherFixture fixture;

    EnricherFailoverIT(KafkaBroker kafka) {
        this.kafka = kafka;
        this.fixture = new EnricherFixture(kafka, PREFIX, TIMEOUT);
    }

    @AfterEach
    void closeInstances() {
        fixture.close();
    }

    @Test
    void survivingInstanceTakesOverWithNoRecordLostOrDuplicated(@TempDir Path stateDirs) throws Exception {
        fixture.createTopics(4);
        kafka.createTopic(DEAD_LETTERS, 1);
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.sendCustomers(producer, CUSTOMER_COUNT);
            producer.flush();

            KafkaStreams first = start(stateDirs.resolve("first"));
            KafkaStreams second = start(stateDirs.resolve("second"));
            awaitState(first, KafkaStreams.State.RUNNING);
            awaitState(second, KafkaStreams.State.RUNNING);
            // As in production, the customers are in the lookup table before the orders pointing to them arrive:
            // an order processed before its customer's row reached the table would (rightly) miss it.
            assertEquals(CUSTOMER_COUNT, fixture.readCommitted("failover-it-enricher-" + fixture.customers
                    + "-lookup-table-changelog", records -> records.size() >= CUSTOMER_COUNT).size());

            fixture.sendOrders(producer, 1, ORDER_COUNT / 2, CUSTOMER_COUNT);
            // Bad records in the middle: dead-lettered, and the orders after them still flow.
            producer.send(new ProducerRecord<>(fixture.orders, fixture.key(fixture.orders, -1),
                    "not json".getBytes(StandardCharsets.UTF_8)));
            Schema noCustomer = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
            fixture.send(producer, fixture.orders, -2, noCustomer, new Struct(noCustomer).put("id", -2));
            producer.flush();
            assertTrue(fixture.readCommitted(fixture.output, records -> records.size() >= ORDER_COUNT / 4).size()
                    >= ORDER_COUNT / 4);

            // Leaving the group hands its partitions over at once instead of after the session timeout.
            first.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            fixture.sendOrders(producer, ORDER_COUNT / 2 + 1, ORDER_COUNT, CUSTOMER_COUNT);
            producer.flush();
        }

        List<ConsumerRecord<byte[], byte[]>> output = fixture.readCommitted(fixture.output,
                records -> records.size() >= ORDER_COUNT);
        Map<Integer, String> enriched = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : output) {
            Struct value = fixture.valueOf(record);
            String previous = enriched.put((Integer) value.get("id"), EnricherFixture.enrichment(value));
            assertEquals(null, previous, "order " + value.get("id") + " written twice");
        }
        Map<Integer, String> expected = EnricherFixture.expectedEnrichments(ORDER_COUNT, CUSTOMER_COUNT);
        List<ConsumerRecord<byte[], byte[]>> deadLetters = fixture.readCommitted(DEAD_LETTERS,
                records -> records.size() >= 2);
        Set<Integer> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(enriched.keySet());
        assertEquals(Set.of(), missing, () -> "orders missing; dead letters: " + deadLetters.stream()
                .map(record -> header(record.headers(), "__streams.errors.message")).toList());
        assertEquals(expected, enriched);
        assertEquals(ORDER_COUNT, output.size());

        assertEquals(2, deadLetters.size());
        // The two bad records sit in different input partitions, so the dead letters come in either order.
        Map<String, Headers> byValue = new TreeMap<>();
        deadLetters.forEach(record -> byValue.put(new String(record.value(), StandardCharsets.UTF_8),
                record.headers()));
        Headers notJson = byValue.get("not json");
        assertTrue(header(notJson, "__streams.errors.exception").contains("DataException"));
        assertEquals(fixture.orders, header(notJson, "__streams.errors.topic"));
        Headers noJoinField = byValue.entrySet().stream().filter(entry -> !entry.getKey().equals("not json"))
                .findFirst().orElseThrow().getValue();
        assertTrue(header(noJoinField, "__streams.errors.message").contains("join.field 'customer_id'"),
                header(noJoinField, "__streams.errors.message"));
    }

    private KafkaStreams start(Path stateDir) {
        Map<String, String> config = fixture.enrichingConfig("failover-it-enricher");
        config.put("errors.deadletter.topic", DEAD_LETTERS);
        config.put("state.dir", stateDir.toString());
        return fixture.start(config);
    }

    private static void awaitState(KafkaStreams streams, KafkaStreams.State state) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (streams.state() != state) {
            if (System.nanoTime() > deadline) {
                fail("Enricher still " + streams.state() + " after " + TIMEOUT + ", expected " + state);
            }
            Thread.sleep(100);
        }
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
