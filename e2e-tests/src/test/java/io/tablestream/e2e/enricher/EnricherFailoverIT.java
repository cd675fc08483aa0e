package io.tablestream.e2e.enricher;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;

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
    private static final String ORDERS = PREFIX + "orders";
    private static final String CUSTOMERS = PREFIX + "customers";
    private static final String OUTPUT = PREFIX + "enriched_orders";
    private static final String DEAD_LETTERS = PREFIX + "dlq";
    private static final int ORDER_COUNT = 600;
    private static final int CUSTOMER_COUNT = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final Schema ID_KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ORDER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.INT32_SCHEMA).build();
    private static final Schema CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();

    private final KafkaBroker kafka;
    private final JsonConverter keys = converter(true);
    private final JsonConverter values = converter(false);
    private final List<KafkaStreams> instances = new ArrayList<>();

    EnricherFailoverIT(KafkaBroker kafka) {
        this.kafka = kafka;
    }

    @AfterEach
    void closeInstances() {
        instances.forEach(streams -> streams.close(Duration.ofSeconds(30)));
    }

    @Test
    void survivingInstanceTakesOverWithNoRecordLostOrDuplicated(@TempDir Path stateDirs) throws Exception {
        kafka.createTopic(ORDERS, 4);
        kafka.createTopic(CUSTOMERS, 4);
        kafka.createTopic(OUTPUT, 4);
        kafka.createTopic(DEAD_LETTERS, 1);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int id = 1; id <= CUSTOMER_COUNT; id++) {
                send(producer, CUSTOMERS, id, CUSTOMER, new Struct(CUSTOMER).put("id", id).put("name", "c" + id));
            }
            producer.flush();

            KafkaStreams first = start(stateDirs.resolve("first"));
            KafkaStreams second = start(stateDirs.resolve("second"));
            awaitState(first, KafkaStreams.State.RUNNING);
            awaitState(second, KafkaStreams.State.RUNNING);
            // As in production, the customers are in the lookup table before the orders pointing to them arrive:
            // an order processed before its customer's row reached the table would (rightly) miss it.
            assertEquals(CUSTOMER_COUNT, readCommitted("failover-it-enricher-" + CUSTOMERS
                    + "-lookup-table-changelog", records -> records.size() >= CUSTOMER_COUNT).size());

            sendOrders(producer, 1, ORDER_COUNT / 2);
            // Bad records in the middle: dead-lettered, and the orders after them still flow.
            producer.send(new ProducerRecord<>(ORDERS, key(ORDERS, -1), "not json".getBytes(StandardCharsets.UTF_8)));
            Schema noCustomer = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
            send(producer, ORDERS, -2, noCustomer, new Struct(noCustomer).put("id", -2));
            producer.flush();
            assertTrue(readCommitted(OUTPUT, records -> records.size() >= ORDER_COUNT / 4).size() >= ORDER_COUNT / 4);

            // Leaving the group hands its partitions over at once instead of after the session timeout.
            first.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            sendOrders(producer, ORDER_COUNT / 2 + 1, ORDER_COUNT);
            producer.flush();
        }

        List<ConsumerRecord<byte[], byte[]>> output = readCommitted(OUTPUT, records -> records.size() >= ORDER_COUNT);
        Map<Integer, String> enriched = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : output) {
            Struct value = (Struct) values.toConnectData(OUTPUT, record.value()).value();
            String previous = enriched.put((Integer) value.get("id"), value.get("customer_id") + ":"
                    + value.get("customers_name"));
            assertEquals(null, previous, "order " + value.get("id") + " written twice");
        }
        Map<Integer, String> expected = new TreeMap<>();
        for (int id = 1; id <= ORDER_COUNT; id++) {
            int customer = id % CUSTOMER_COUNT + 1;
            expected.put(id, customer + ":c" + customer);
        }
        List<ConsumerRecord<byte[], byte[]>> deadLetters = readCommitted(DEAD_LETTERS, records -> records.size() >= 2);
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
        assertEquals(ORDERS, header(notJson, "__streams.errors.topic"));
        Headers noJoinField = byValue.entrySet().stream().filter(entry -> !entry.getKey().equals("not json"))
                .findFirst().orElseThrow().getValue();
        assertTrue(header(noJoinField, "__streams.errors.message").contains("join.field 'customer_id'"),
                header(noJoinField, "__streams.errors.message"));
    }

    private KafkaStreams start(Path stateDir) {
        KafkaStreams streams = EnricherApp.create(new EnricherConfig(Map.ofEntries(
                Map.entry("application.id", "failover-it-enricher"),
                Map.entry("bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("input.topic", ORDERS),
                Map.entry("lookup.topic", CUSTOMERS),
                Map.entry("output.topic", OUTPUT),
                Map.entry("join.field", "customer_id"),
                Map.entry("lookup.fields", "name"),
                Map.entry("lookup.prefix", "customers_"),
                Map.entry("errors.deadletter.topic", DEAD_LETTERS),
                Map.entry("state.dir", stateDir.toString()),
                Map.entry("commit.interval.ms", "100"))));
        instances.add(streams);
        streams.start();
        return streams;
    }

    private void sendOrders(KafkaProducer<byte[], byte[]> producer, int from, int to) {
        for (int id = from; id <= to; id++) {
            Struct order = new Struct(ORDER).put("id", id).put("customer_id", id % CUSTOMER_COUNT + 1);
            send(producer, ORDERS, id, ORDER, order);
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, String topic, int id, Schema schema, Struct value) {
        producer.send(new ProducerRecord<>(topic, key(topic, id), values.fromConnectData(topic, schema, value)));
    }

    private byte[] key(String topic, int id) {
        return keys.fromConnectData(topic, ID_KEY, new Struct(ID_KEY).put("id", id));
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Reads the topic from the start, as a read_committed consumer, until {@code done} holds and the consumer has
     * reached the end of every partition, so records written twice would be among those returned; at the deadline
     * returns what it read, for the caller's assertions to say what is missing.
     */
    private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic,
                                                               Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "failover-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                Set<TopicPartition> assigned = consumer.assignment();
                if (!assigned.isEmpty() && done.test(records) && atEnd(consumer, assigned)) {
                    return records;
                }
            }
        }
        // The caller's value comparison says what is missing.
        return records;
    }

    private static boolean atEnd(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        return partitions.stream().allMatch(partition -> consumer.position(partition) >= ends.get(partition));
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

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }
}
