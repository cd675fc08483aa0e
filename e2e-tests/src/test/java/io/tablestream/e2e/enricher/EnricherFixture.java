package io.tablestream.e2e.enricher;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.KafkaStreams;

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
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * What the enricher ITs share: orders joined to customers on {@code customer_id}, topics named by a prefix,
 * Connect JSON keys and values with schemas (as the tablestream source writes them), the enricher's config, a
 * child JVM running it as {@code java -jar} does, and read_committed reads of its output. {@link #close()} stops
 * every instance it started.
 */
final class EnricherFixture implements AutoCloseable {

    static final Schema ID_KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    static final Schema ORDER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.INT32_SCHEMA).build();
    static final Schema CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();

    final String orders;
    final String customers;
    final String output;
    private final String prefix;
    private final KafkaBroker kafka;
    private final Duration timeout;
    private final JsonConverter keys = converter(true);
    private final JsonConverter values = converter(false);
    private final List<KafkaStreams> instances = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    EnricherFixture(KafkaBroker kafka, String prefix, Duration timeout) {
        this.kafka = kafka;
        this.prefix = prefix;
        this.timeout = timeout;
        this.orders = prefix + "orders";
        this.customers = prefix + "customers";
        this.output = prefix + "enriched_orders";
    }

    /** The enricher's config joining orders to customers; a mutable copy, for each IT to add its own keys. */
    Map<String, String> config(String applicationId) {
        return new HashMap<>(Map.of(
                "application.id", applicationId,
                "bootstrap.servers", kafka.bootstrapServers(),
                "input.topic", orders,
                "lookup.topic", customers,
                "output.topic", output,
                "join.field", "customer_id",
                "commit.interval.ms", "100"));
    }

    /** As {@link #config}, adding each customer's name to its orders as {@code customers_name}. */
    Map<String, String> enrichingConfig(String applicationId) {
        Map<String, String> config = config(applicationId);
        config.put("lookup.fields", "name");
        config.put("lookup.prefix", "customers_");
        return config;
    }

    static Map<String, String> with(Map<String, String> config, String key, String value) {
        Map<String, String> copy = new HashMap<>(config);
        copy.put(key, value);
        return copy;
    }

    KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Customers 1..count, named {@code c<id>}. */
    void sendCustomers(KafkaProducer<byte[], byte[]> producer, int count) {
        for (int id = 1; id <= count; id++) {
            send(producer, customers, id, CUSTOMER, new Struct(CUSTOMER).put("id", id).put("name", "c" + id));
        }
    }

    /** Customers from..to, named {@code c<id>}, with the record timestamp {@code timestampMs}. */
    void sendCustomers(KafkaProducer<byte[], byte[]> producer, int from, int to, long timestampMs) {
        for (int id = from; id <= to; id++) {
            producer.send(new ProducerRecord<>(customers, null, timestampMs, key(customers, id),
                    values.fromConnectData(customers, CUSTOMER, new Struct(CUSTOMER).put("id", id).put("name", "c" + id))));
        }
    }

    /** Orders from..to, each pointing to customer {@link #customerOf}. */
    void sendOrders(KafkaProducer<byte[], byte[]> producer, int from, int to, int customerCount) {
        for (int id = from; id <= to; id++) {
            send(producer, orders, id, ORDER, new Struct(ORDER).put("id", id).put("customer_id", customerOf(id, customerCount)));
        }
    }

    static int customerOf(int orderId, int customerCount) {
        return orderId % customerCount + 1;
    }

    /** Every order's enrichment as {@link #enrichment} gives it, when all {@code orderCount} orders are joined. */
    static Map<Integer, String> expectedEnrichments(int orderCount, int customerCount) {
        Map<Integer, String> expected = new TreeMap<>();
        for (int id = 1; id <= orderCount; id++) {
            int customer = customerOf(id, customerCount);
            expected.put(id, customer + ":c" + customer);
        }
        return expected;
    }

    /** {@code <customer_id>:<customers_name>} of an enriched order. */
    static String enrichment(Struct order) {
        return order.get("customer_id") + ":" + order.get("customers_name");
    }

    Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, String topic, int id, Schema schema, Struct value) {
        return producer.send(new ProducerRecord<>(topic, key(topic, id), values.fromConnectData(topic, schema, value)));
    }

    byte[] key(String topic, int id) {
        return keys.fromConnectData(topic, ID_KEY, new Struct(ID_KEY).put("id", id));
    }

    /** The id in an output record's key (a tombstone has no value to read it from). */
    int idOf(ConsumerRecord<byte[], byte[]> record) {
        return ((Struct) keys.toConnectData(output, record.key()).value()).getInt32("id");
    }

    /** An output record's value. */
    Struct valueOf(ConsumerRecord<byte[], byte[]> record) {
        return (Struct) values.toConnectData(output, record.value()).value();
    }

    /** The input, lookup and output topics, each with {@code partitions} partitions. */
    void createTopics(int partitions) {
        kafka.createTopic(orders, partitions);
        kafka.createTopic(customers, partitions);
        kafka.createTopic(output, partitions);
    }

    /** An enricher instance in this JVM, started. */
    KafkaStreams start(Map<String, String> config) {
        KafkaStreams streams = EnricherApp.create(new EnricherConfig(config));
        instances.add(streams);
        streams.start();
        return streams;
    }

    @Override
    public void close() {
        children.forEach(Process::destroyForcibly);
        instances.forEach(streams -> streams.close(Duration.ofSeconds(30)));
    }

    /** The enricher's main in a child JVM with this test's classpath, reading {@code properties}, output to {@code log}. */
    Process startChild(Map<String, String> config, Path properties, Path log) throws IOException {
        Properties props = new Properties();
        props.putAll(config);
        try (Writer w = Files.newBufferedWriter(properties, StandardCharsets.UTF_8)) {
            props.store(w, properties.getFileName().toString());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EnricherApp.class.getName(), properties.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(child);
        return child;
    }

    /** As {@link #readCommitted(String, Predicate)}, until at least {@code expected} records are read. */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, int expected) {
        return readCommitted(topic, records -> records.size() >= expected);
    }

    /**
     * Reads the topic from the start, as a read_committed consumer, until {@code done} holds and the consumer has
     * reached the end of every partition, so records written twice would be among those returned; at the deadline
     * returns what it read, for the caller's assertions to say what is missing.
     */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = TopicReader.readCommittedConsumer(kafka.bootstrapServers(),
                prefix + "reader-")) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                Set<TopicPartition> assigned = consumer.assignment();
                if (!assigned.isEmpty() && done.test(records) && atEnd(consumer, assigned)) {
                    return records;
                }
            }
        }
        return records;
    }

    private static boolean atEnd(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        return partitions.stream().allMatch(partition -> consumer.position(partition) >= ends.get(partition));
    }

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }
}
