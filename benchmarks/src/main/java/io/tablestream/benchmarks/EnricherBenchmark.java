package io.tablestream.benchmarks;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * Enricher throughput with exactly_once_v2: orders joined with customers in each lookup semantics, beside a plain
 * consume-convert-lookup-produce loop over the same topic (an in-memory map for the lookup, no Kafka Streams) and
 * beside {@link HandWrittenJoin}'s topologies, those a user would write for this one job: a KStream-KTable join,
 * the peer of {@code stream} and {@code global}, and a foreign-key KTable-KTable join, the peer of {@code table}
 * (which, like it, re-emits an order when its customer changes).
 */
final class EnricherBenchmark {

    private static final String ORDERS = "bench.enr.orders";
    private static final String CUSTOMERS = "bench.enr.customers";
    private static final Schema ENRICHED = enrichedSchema();

    private final BenchEnvironment env;
    private final long rows;
    private final int customers;

    EnricherBenchmark(BenchEnvironment env, long rows, int customers) {
        this.env = env;
        this.rows = rows;
        this.customers = customers;
    }

    private static Schema enrichedSchema() {
        SchemaBuilder builder = SchemaBuilder.struct();
        OrderRows.VALUE_SCHEMA.fields().forEach(f -> builder.field(f.name(), f.schema()));
        return builder.field("customer_name", Schema.OPTIONAL_STRING_SCHEMA)
                .field("customer_city", Schema.OPTIONAL_STRING_SCHEMA).build();
    }

    /**
     * The enricher's lookup semantics the stage runs, each against the same references; {@code stream} twice, as
     * configured by default (it remembers each order's route for a later delete) and without that memory, which
     * these orders, never deleted, do not need.
     */
    private static final String STREAM_WITHOUT_ROUTES = "stream remember.routes=false";
    static final List<String> SEMANTICS = List.of("stream", STREAM_WITHOUT_ROUTES, "global", "table");

    private static final String DSL_JOIN_REFERENCE = "hand-written Kafka Streams DSL join (re-key + repartition,"
            + " KStream-KTable left join, compact internal serde, max.task.idle.ms=2000)";
    private static final String FK_JOIN_REFERENCE = "hand-written Kafka Streams foreign-key join (orders as a"
            + " KTable, KTable-KTable foreign-key left join, compact internal serde, Kafka's default max.task.idle.ms)";

    /**
     * Per semantics the enricher beside the raw loop, then beside the hand-written DSL join, and for {@code table}
     * also beside its peer, the hand-written foreign-key join.
     */
    List<Result> run(int runs) throws Exception {
        env.produceCustomers(CUSTOMERS, customers);
        env.produceOrders(ORDERS, 4, rows, customers, OrderRows.NOTE);
        Map<String, List<Double>> ours = new HashMap<>();
        List<Double> loop = new ArrayList<>();
        List<Double> handWritten = new ArrayList<>();
        List<Double> handWrittenForeignKey = new ArrayList<>();
        // Untimed: the first Kafka Streams app in this JVM would otherwise pay the JIT's warm-up of the Streams
        // runtime, RocksDB and JsonConverter that every app shares.
        System.out.println("Warm-up (untimed): the hand-written DSL join once");
        handWrittenJoin(-1, "dsl", HandWrittenJoin::topology, false);
        for (int run = 0; run < runs; run++) {
            loop.add(referenceLoop("bench.enr.ref." + run));
            env.kafka.deleteTopics("bench.enr.ref." + run);
            handWritten.add(handWrittenJoin(run, "dsl", HandWrittenJoin::topology, false));
            handWrittenForeignKey.add(handWrittenJoin(run, "fk", HandWrittenJoin::foreignKeyTopology, true));
            for (String semantics : SEMANTICS) {
                ours.computeIfAbsent(semantics, s -> new ArrayList<>()).add(enricher(run, semantics));
            }
        }
        List<Result> results = new ArrayList<>();
        for (String semantics : SEMANTICS) {
            String stage = semantics.equals("stream") ? "enricher" : "enricher " + semantics;
            String workload = String.format("%,d orders ⋈ %,d customers, exactly_once_v2, 4 partitions,"
                    + " lookup.semantics=%s; reference: ", rows, customers, semantics.replace(" ", ", lookup."));
            results.add(new Result(stage, workload + "consume + convert + map lookup + produce",
                    ours.get(semantics), loop, "records/s", ">= 0.5", ""));
            boolean table = semantics.equals("table");
            results.add(new Result(stage + " vs DSL join", workload + DSL_JOIN_REFERENCE, ours.get(semantics),
                    handWritten, "records/s", table ? "—" : ">= 1.0", ""));
            if (table) {
                results.add(new Result(stage + " vs FK join", workload + FK_JOIN_REFERENCE, ours.get(semantics),
                        handWrittenForeignKey, "records/s", ">= 1.0", ""));
            }
        }
        return results;
    }

    private interface JoinTopology {
        Topology build(String orders, String customers, String output, Schema enriched);
    }

    /**
     * {@code reEmits}: the join is a table join, whose output may hold an order first without its customer, so it
     * is done when every order has its customer, as for the enricher's table semantics.
     */
    private double handWrittenJoin(int run, String kind, JoinTopology topology, boolean reEmits) throws Exception {
        String output = "bench.enr." + kind + "." + (run < 0 ? "warm-up" : run);
        env.kafka.createTopic(output, 4);
        Path stateDir = Files.createTempDirectory("bench-" + kind + "-join");
        String applicationId = "bench-" + kind + "-join-" + (run < 0 ? "warm-up" : run) + "-"
                + UUID.randomUUID().toString().substring(0, 6);
        KafkaStreams streams = new KafkaStreams(topology.build(ORDERS, CUSTOMERS, output, ENRICHED),
                HandWrittenJoin.properties(applicationId, env.bootstrap(), stateDir.toString(), !reEmits));
        return timeStreams(streams, output, applicationId, reEmits);
    }

    private double enricher(int run, String semantics) throws Exception {
        String output = "bench.enr.out." + semantics.replaceAll("[ =]", "-") + "." + run;
        env.kafka.createTopic(output, 4);
        Path stateDir = Files.createTempDirectory("bench-enricher");
        String applicationId = "bench-enricher-" + semantics.replaceAll("[ .=]", "-") + "-" + run + "-"
                + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Object> config = new HashMap<>(Map.of(
                "application.id", applicationId,
                "bootstrap.servers", env.bootstrap(),
                "input.topic", ORDERS,
                "lookup.topic", CUSTOMERS,
                "output.topic", output,
                "join.field", "customer_id",
                "lookup.fields", "name,city",
                "lookup.prefix", "customer_",
                // Left, not inner: an order processed before its customer reached the lookup table is still counted
                // (an inner join would drop it: the stream-table join's bootstrap race, see BENCHMARKS.md).
                "join.type", "left",
                "state.dir", stateDir.toString()));
        config.put("lookup.semantics", semantics.split(" ")[0]);
        if (semantics.equals(STREAM_WITHOUT_ROUTES)) {
            config.put("lookup.remember.routes", "false");
        }
        // table semantics writes a changelog: an order joined before its customer reached the lookup table is
        // written with null customer fields, then again with them. It is done when every order has its customer.
        return timeStreams(EnricherApp.create(new EnricherConfig(config)), output, applicationId,
                semantics.equals("table"));
    }

    private double timeStreams(KafkaStreams streams, String output, String applicationId,
                               boolean untilEveryOrderHasItsCustomer) {
        long start = System.nanoTime();
        streams.start();
        try {
            if (untilEveryOrderHasItsCustomer) {
                countEnrichedKeys(output, rows);
            } else {
                countCommitted(output, rows);
            }
            double recordsPerSecond = rows / CopyBenchmark.seconds(start);
            printCpu(applicationId);
            return recordsPerSecond;
        } finally {
            streams.close(Duration.ofSeconds(60));
            streams.cleanUp();
            env.kafka.deleteTopics(output);
        }
    }

    /** Reads the output as a read_committed consumer until it has seen {@code expected} records. */
    private void countCommitted(String topic, long expected) {
        long[] seen = {0};
        readCommitted(topic, expected, "records", records -> seen[0] += records.count());
    }

    /**
     * Polls {@code topic} from the start as a read_committed consumer, handing each batch to {@code progress},
     * until it answers at least {@code expected} ({@code what} names the count in the timeout's message).
     */
    private void readCommitted(String topic, long expected, String what,
                               ToLongFunction<ConsumerRecords<byte[], byte[]>> progress) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "bench-count-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long done = 0;
            Duration timeout = BenchEnvironment.timeoutFor(expected);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (done < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + " got " + done + " of " + expected + " " + what
                            + " within " + timeout);
                }
                done = progress.applyAsLong(consumer.poll(Duration.ofMillis(100)));
            }
        }
    }

    /**
     * The CPU time of the app's threads (stream threads and their clients' network threads, all named after the
     * application id): on a machine shared with other work the records/s swing with the load, the CPU time a
     * record costs much less. Split by kind of thread, since a change may move work between them. RocksDB's own
     * background threads are not Java threads and not counted.
     */
    private void printCpu(String applicationId) {
        printCpu(applicationId, applicationId, Map.of());
    }

    /**
     * Prints the CPU time of the threads whose name contains {@code threadNamePart} plus {@code moreNanos} (CPU
     * time of other threads, by kind), per order.
     */
    private void printCpu(String label, String threadNamePart, Map<String, Long> moreNanos) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byKind = new TreeMap<>(moreNanos);
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains(threadNamePart)) {
                byKind.merge(threadKind(info.getThreadName()), Math.max(0, threads.getThreadCpuTime(
                        info.getThreadId())), Long::sum);
            }
        }
        long nanos = byKind.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder kinds = new StringBuilder();
        byKind.forEach((kind, kindNanos) -> kinds.append(String.format(", %s %.0f", kind, kindNanos / 1e3 / rows)));
        System.out.printf("CPU %s: %.1f s on its threads, %.0f µs per order (µs per order by thread%s)%n",
                label, nanos / 1e9, nanos / 1e3 / rows, kinds);
    }

    private static String threadKind(String threadName) {
        if (threadName.startsWith("kafka-producer-network-thread")) {
            return "producer network";
        }
        if (threadName.contains("GlobalStreamThread")) {
            return "global";
        }
        if (threadName.matches(".*StreamThread-\\d+")) {
            return "stream";
        }
        return "other";
    }

    private static final byte[] WITH_CUSTOMER = "\"customer_name\":\"".getBytes(StandardCharsets.UTF_8);

    /**
     * Reads the output as a read_committed consumer until {@code expected} distinct keys have, as their latest
     * value, one with the customer's fields.
     */
    private void countEnrichedKeys(String topic, long expected) {
        Set<ByteBuffer> enriched = new HashSet<>();
        readCommitted(topic, expected, "orders with their customer", records -> {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                ByteBuffer key = ByteBuffer.wrap(record.key());
                if (record.value() != null && indexOf(record.value(), WITH_CUSTOMER) >= 0) {
                    enriched.add(key);
                } else {
                    enriched.remove(key);
                }
            }
            return enriched.size();
        });
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= bytes.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (bytes[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private double referenceLoop(String output) {
        JsonConverter keys = BenchEnvironment.converter(true);
        JsonConverter values = BenchEnvironment.converter(false);
        Map<Object, Struct> customersById = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            drain(consumer, CUSTOMERS, record -> {
                Struct customer = (Struct) values.toConnectData(CUSTOMERS, record.value()).value();
                customersById.put(customer.get("id"), customer);
            });
        }
        long start = System.nanoTime();
        long startCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer();
             KafkaProducer<byte[], byte[]> producer = BenchEnvironment.producer(env.bootstrap())) {
            drain(consumer, ORDERS, record -> {
                Struct order = (Struct) values.toConnectData(ORDERS, record.value()).value();
                Struct customer = customersById.get(order.getInt32("customer_id"));
                Struct enriched = new Struct(ENRICHED);
                OrderRows.VALUE_SCHEMA.fields().forEach(f -> enriched.put(f.name(), order.get(f)));
                if (customer != null) {
                    enriched.put("customer_name", customer.get("name")).put("customer_city", customer.get("city"));
                }
                producer.send(new ProducerRecord<>(output, record.key(), values.fromConnectData(output, ENRICHED, enriched)));
            });
            producer.flush();
            double recordsPerSecond = rows / CopyBenchmark.seconds(start);
            // The loop's consumer works on this thread; its producer on a network thread named after its client id.
            String producerId = producer.metrics().keySet().iterator().next().tags().get("client-id");
            printCpu("reference loop", "| " + producerId, Map.of("loop (consume, convert, lookup, send)",
                    ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - startCpu));
            keys.close();
            return recordsPerSecond;
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static void drain(KafkaConsumer<byte[], byte[]> consumer, String topic,
                              java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> action) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            consumer.poll(Duration.ofMillis(200)).forEach(action);
        }
    }
}
