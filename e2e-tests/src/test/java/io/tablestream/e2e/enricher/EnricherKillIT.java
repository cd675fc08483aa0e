package io.tablestream.e2e.enricher;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two enricher instances share a 4-partition input; one runs in a child JVM ({@code java -cp <test classpath>
 * EnricherApp file}, as {@code java -jar ...-app.jar} runs it) and is SIGKILLed mid-stream: no clean close, its
 * transaction left open. The survivor takes its partitions once the session expires; a read_committed consumer
 * sees every order enriched exactly once, values compared.
 */
@ExtendWith(TablestreamStack.class)
class EnricherKillIT {

    private static final String PREFIX = "kill_";
    private static final String ORDERS = PREFIX + "orders";
    private static final String CUSTOMERS = PREFIX + "customers";
    private static final String OUTPUT = PREFIX + "enriched_orders";
    private static final String APPLICATION_ID = "kill-it-enricher";
    private static final int ORDER_COUNT = 3_000;
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
    private KafkaStreams survivor;
    private Process child;

    EnricherKillIT(KafkaBroker kafka) {
        this.kafka = kafka;
    }

    @AfterEach
    void stopInstances() {
        if (child != null) {
            child.destroyForcibly();
        }
        if (survivor != null) {
            survivor.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void aSigkilledInstanceLosesAndDuplicatesNothing(@TempDir Path dir) throws Exception {
        kafka.createTopic(ORDERS, 4);
        kafka.createTopic(CUSTOMERS, 4);
        kafka.createTopic(OUTPUT, 4);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int id = 1; id <= CUSTOMER_COUNT; id++) {
                send(producer, CUSTOMERS, id, CUSTOMER, new Struct(CUSTOMER).put("id", id).put("name", "c" + id));
            }
            producer.flush();

            Map<String, String> config = config(dir);
            child = startChild(config, dir);
            survivor = EnricherApp.create(new EnricherConfig(with(config, "state.dir", dir.resolve("survivor").toString())));
            survivor.start();
            awaitGroup(2);
            assertTrue(child.isAlive(), "the child instance runs");
            // The customers are in the lookup table before the orders pointing to them arrive (see EnricherFailoverIT).
            assertEquals(CUSTOMER_COUNT, readCommitted(APPLICATION_ID + "-" + CUSTOMERS + "-lookup-table-changelog",
                    CUSTOMER_COUNT).size());

            sendOrders(producer, 1, ORDER_COUNT / 2);
            producer.flush();
            assertTrue(readCommitted(OUTPUT, ORDER_COUNT / 4).size() >= ORDER_COUNT / 4, "enriching");
            sendOrders(producer, ORDER_COUNT / 2 + 1, ORDER_COUNT * 3 / 4);
            producer.flush();
            child.destroyForcibly(); // SIGKILL, while orders are in flight
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child died");
            sendOrders(producer, ORDER_COUNT * 3 / 4 + 1, ORDER_COUNT);
            producer.flush();
        }

        List<ConsumerRecord<byte[], byte[]>> output = readCommitted(OUTPUT, ORDER_COUNT);
        Map<Integer, String> enriched = new TreeMap<>();
        List<Integer> twice = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : output) {
            Struct value = (Struct) values.toConnectData(OUTPUT, record.value()).value();
            if (enriched.put((Integer) value.get("id"), value.get("customer_id") + ":" + value.get("customers_name")) != null) {
                twice.add((Integer) value.get("id"));
            }
        }
        Map<Integer, String> expected = new TreeMap<>();
        for (int id = 1; id <= ORDER_COUNT; id++) {
            int customer = id % CUSTOMER_COUNT + 1;
            expected.put(id, customer + ":c" + customer);
        }
        Set<Integer> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(enriched.keySet());
        assertEquals(Set.of(), missing, "orders missing");
        assertEquals(List.of(), twice, "orders written twice");
        assertEquals(expected, enriched);
        assertEquals(ORDER_COUNT, output.size());
    }

    private Map<String, String> config(Path dir) {
        Map<String, String> config = new HashMap<>(Map.ofEntries(
                Map.entry("application.id", APPLICATION_ID),
                Map.entry("bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("input.topic", ORDERS),
                Map.entry("lookup.topic", CUSTOMERS),
                Map.entry("output.topic", OUTPUT),
                Map.entry("join.field", "customer_id"),
                Map.entry("lookup.fields", "name"),
                Map.entry("lookup.prefix", "customers_"),
                Map.entry("commit.interval.ms", "100"),
                // the survivor takes over once the killed instance's session expires: the broker's minimum
                Map.entry("session.timeout.ms", "6000"),
                Map.entry("heartbeat.interval.ms", "1000"),
                Map.entry("http.port", "-1")));
        return config;
    }

    private static Map<String, String> with(Map<String, String> config, String key, String value) {
        Map<String, String> copy = new HashMap<>(config);
        copy.put(key, value);
        return copy;
    }

    /** The enricher's main in a child JVM with this test's classpath; output to {@code dir/child.log}. */
    private static Process startChild(Map<String, String> config, Path dir) throws IOException {
        Path file = dir.resolve("child.properties");
        Properties props = new Properties();
        props.putAll(with(config, "state.dir", dir.resolve("child").toString()));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "EnricherKillIT child instance");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EnricherApp.class.getName(), file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    }

    /** Waits until the application's group is stable with {@code members} members, each owning partitions. */
    private void awaitGroup(int members) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                ConsumerGroupDescription group = kafka.admin().describeConsumerGroups(List.of(APPLICATION_ID))
                        .all().get(10, TimeUnit.SECONDS).get(APPLICATION_ID);
                List<MemberDescription> owning = group.members().stream()
                        .filter(m -> !m.assignment().topicPartitions().isEmpty()).toList();
                last = group.groupState() + " " + owning.size() + " members with partitions";
                if (owning.size() == members && "STABLE".equals(group.groupState().name())
                        && survivor.state() == KafkaStreams.State.RUNNING) {
                    return;
                }
            } catch (Exception e) {
                last = e.toString();
            }
            if (!child.isAlive()) {
                fail("the child enricher exited with " + child.exitValue());
            }
            Thread.sleep(200);
        }
        fail("group " + APPLICATION_ID + " not stable with " + members + " members within " + TIMEOUT + ": " + last);
    }

    private void sendOrders(KafkaProducer<byte[], byte[]> producer, int from, int to) {
        for (int id = from; id <= to; id++) {
            send(producer, ORDERS, id, ORDER, new Struct(ORDER).put("id", id).put("customer_id", id % CUSTOMER_COUNT + 1));
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, String topic, int id, Schema schema, Struct value) {
        producer.send(new ProducerRecord<>(topic, keys.fromConnectData(topic, ID_KEY, new Struct(ID_KEY).put("id", id)),
                values.fromConnectData(topic, schema, value)));
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Reads the topic from the start as a read_committed consumer until it holds at least {@code expected} records
     * and the consumer has reached the end of every partition (so records written twice would be among them); at
     * the deadline returns what it read, for the caller's comparison to say what is missing.
     */
    private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "kill-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                Set<TopicPartition> assigned = consumer.assignment();
                if (!assigned.isEmpty() && records.size() >= expected) {
                    Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
                    if (assigned.stream().allMatch(p -> consumer.position(p) >= ends.get(p))) {
                        return records;
                    }
                }
            }
        }
        return records;
    }

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }
}
