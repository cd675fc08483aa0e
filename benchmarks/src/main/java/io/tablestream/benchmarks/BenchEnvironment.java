package io.tablestream.benchmarks;

import io.tablestream.testkit.ConnectRestClient;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.PostgresServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.Jdbi;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The real stack a benchmark runs on: PostgreSQL, a KRaft broker, and a Connect worker in its own JVM that loads the
 * packaged plugin jars through plugin.path, as on a user's machine.
 */
final class BenchEnvironment implements AutoCloseable {

    static final String DATABASE = "bench";
    private static final Pattern NOT_ON_A_WORKER =
            Pattern.compile(".*(source-connector|sink-connector|jdbc-common|jdbi3-|postgresql-|geantyref|checker-qual).*");

    final PostgresServer postgres;
    final KafkaBroker kafka;
    final ConnectWorker worker;
    final String url;
    final Jdbi db;
    final Admin admin;
    /** The worker's heap peaks in MB, by what ran while they were sampled (see {@link #sampleWorkerHeap}). */
    private final Map<String, Long> workerHeapPeaksMb = new ConcurrentHashMap<>();

    private BenchEnvironment(PostgresServer postgres, KafkaBroker kafka, ConnectWorker worker, String url) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.worker = worker;
        this.url = url;
        this.db = Jdbi.create(() -> postgres.connect(DATABASE));
        this.admin = kafka.admin();
    }

    static BenchEnvironment start(Path repoRoot) {
        Path pluginDir = pluginDir(repoRoot);
        PostgresServer postgres = PostgresServer.start();
        KafkaBroker kafka = KafkaBroker.start();
        String url = postgres.createDatabase(DATABASE);
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !NOT_ON_A_WORKER.matcher(entry).matches())
                .collect(Collectors.joining(File.pathSeparator));
        String pluginPath = pluginDir.toString();
        for (Path debezium : List.of(debeziumJdbcPlugins(repoRoot), debeziumPostgresPlugins(repoRoot))) {
            if (Files.isDirectory(debezium)) {
                pluginPath += "," + debezium.toAbsolutePath();
            }
        }
        ConnectWorker worker = ConnectWorker.startForked(kafka.bootstrapServers(), Map.of(
                "plugin.path", pluginPath,
                "offset.flush.interval.ms", "10000"), classpath);
        return new BenchEnvironment(postgres, kafka, worker, url);
    }

    /**
     * Where run.sh copies Debezium's JDBC sink and its dependencies from Maven Central
     * (benchmarks/debezium-jdbc/pom.xml), the reference of the debezium stage; absent unless run.sh ran.
     */
    static Path debeziumJdbcPlugins(Path repoRoot) {
        return repoRoot.resolve("benchmarks").resolve("debezium-jdbc").resolve("target").resolve("plugin");
    }

    /**
     * Where run.sh copies Debezium's PostgreSQL connector and its dependencies from Maven Central
     * (benchmarks/debezium-postgres/pom.xml), the reference of the cdc-debezium stage; absent unless run.sh ran.
     */
    static Path debeziumPostgresPlugins(Path repoRoot) {
        return repoRoot.resolve("benchmarks").resolve("debezium-postgres").resolve("target").resolve("plugin");
    }

    /** A directory holding just the two packaged plugin jars. */
    private static Path pluginDir(Path repoRoot) {
        try {
            Path dir = Files.createTempDirectory("tablestream-bench-plugins");
            for (String module : new String[] {"source-connector", "sink-connector"}) {
                Path target = repoRoot.resolve(module).resolve("target");
                Path jar;
                try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
                    jar = files.filter(f -> f.getFileName().toString().endsWith("-plugin.jar")).findFirst()
                            .orElseThrow(() -> new IllegalStateException("No plugin jar in " + target
                                    + "; build first: mvn -B -pl benchmarks -am package -DskipTests"));
                }
                Files.copy(jar, dir.resolve(jar.getFileName()));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    ConnectRestClient rest() {
        return worker.rest();
    }

    Map<String, String> connection() {
        return Map.of("connection.url", url, "connection.user", postgres.user(),
                "connection.password", postgres.passwordOrEmpty());
    }

    static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }

    /** The producer settings the performance notes recommend: batching matters 2x. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * For writing the workload only: one request in flight and no idempotence, because the in-JVM broker rejected
     * an idempotent producer's retried first batch as out of sequence right after topic creation.
     */
    private KafkaProducer<byte[], byte[]> workloadProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Writes orders 0..n-1 to a new topic as the worker's JsonConverter would; checks that all of them landed. */
    void produceOrders(String topic, int partitions, long n, int customers, String note) {
        produceRows(topic, partitions, n, OrderRows.KEY_SCHEMA, OrderRows::key,
                OrderRows.VALUE_SCHEMA, id -> OrderRows.value(id, customers, note));
    }

    /** Writes orders 0..n-1 as Debezium change envelopes (op=c, the row in after), keyed by id. */
    void produceOrderEnvelopes(String topic, int partitions, long n, int customers, String note) {
        produceRows(topic, partitions, n, OrderRows.KEY_SCHEMA, OrderRows::key,
                OrderRows.ENVELOPE_SCHEMA, id -> OrderRows.envelope(id, customers, note));
    }

    void produceCustomers(String topic, int customers) {
        produceRows(topic, 1, customers, OrderRows.CUSTOMER_KEY_SCHEMA, id -> OrderRows.customerKey((int) id),
                OrderRows.CUSTOMER_SCHEMA, id -> OrderRows.customer((int) id));
    }

    /** Writes rows 0..n-1 to a new topic as the worker's JsonConverter would; checks that all of them landed. */
    private void produceRows(String topic, int partitions, long n, Schema keySchema, LongFunction<Struct> key,
                             Schema valueSchema, LongFunction<Struct> value) {
        createTopicWithLeaders(topic, partitions);
        JsonConverter keys = converter(true);
        JsonConverter values = converter(false);
        produceChecked(topic, n, producer -> {
            for (long id = 0; id < n; id++) {
                producer.accept(new ProducerRecord<>(topic, keys.fromConnectData(topic, keySchema, key.apply(id)),
                        values.fromConnectData(topic, valueSchema, value.apply(id))));
            }
        });
    }

    /**
     * Producing into a topic whose leaders are not known yet made the broker reject batches as out of sequence:
     * wait for the leaders, count failed sends, and check the topic holds exactly what was sent.
     */
    private void produceChecked(String topic, long expected,
                                java.util.function.Consumer<java.util.function.Consumer<ProducerRecord<byte[], byte[]>>> records) {
        java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = workloadProducer()) {
            records.accept(record -> producer.send(record, (metadata, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
            }));
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Producing the workload into " + topic + " failed", failure.get());
        }
        long written = endOffsets(topic);
        if (written != expected) {
            throw new IllegalStateException(topic + " holds " + written + " records, expected " + expected);
        }
    }

    private void createTopicWithLeaders(String topic, int partitions) {
        kafka.createTopic(topic, partitions);
        awaitProgress(() -> {
            try {
                return admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(topic).partitions().stream().filter(p -> p.leader() != null && !p.leader().isEmpty()).count();
            } catch (Exception e) {
                return 0;
            }
        }, partitions, Duration.ofSeconds(30), topic + " partition leaders");
    }

    /** Sum of the latest offsets of a topic's partitions: its record count for a non-transactional producer. */
    long endOffsets(String topic) {
        try {
            int partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> request = IntStream.range(0, partitions).boxed()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        } catch (java.util.concurrent.ExecutionException e) {
            return 0; // the topic does not exist yet
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the end offsets of " + topic, e);
        }
    }

    /**
     * The bytes the broker holds of {@code topic} (every partition, record batches with their headers), so a run can
     * tell how large a connector's records are as the producer batches them.
     */
    long topicBytes(String topic) {
        try {
            List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                    .map(node -> node.id()).toList();
            return admin.describeLogDirs(brokers).allDescriptions().get(30, TimeUnit.SECONDS).values().stream()
                    .flatMap(dirs -> dirs.values().stream())
                    .flatMap(dir -> dir.replicaInfos().entrySet().stream())
                    .filter(replica -> replica.getKey().topic().equals(topic))
                    .mapToLong(replica -> replica.getValue().size()).sum();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the size of " + topic, e);
        }
    }

    /**
     * Runs {@code work} while sampling the worker's used heap (jstat, every 250 ms, garbage included); when it
     * returns, its peak counts towards {@link #peakWorkerHeapMb}{@code (what)}. A worker in this JVM is not sampled.
     */
    <T> T sampleWorkerHeap(String what, Supplier<T> work) {
        if (worker.pid().isEmpty()) {
            return work.get();
        }
        try (HeapSampler heap = new HeapSampler(worker.pid().getAsLong(), 250)) {
            T result = work.get();
            workerHeapPeaksMb.merge(what, heap.peakMb(), Math::max);
            return result;
        }
    }

    /** The highest heap the worker used while {@code what} ran, in MB; -1 where it was not sampled. */
    long peakWorkerHeapMb(String what) {
        return workerHeapPeaksMb.getOrDefault(what, -1L);
    }

    long count(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    /** Polls {@code progress} until it reaches {@code target}; returns the nanoTime at which it was seen there. */
    static long awaitProgress(LongSupplier progress, long target, Duration timeout, String what) {
        return awaitProgress(progress, target, timeout, what, 50);
    }

    /** As above, polling every {@code pollMillis}. */
    static long awaitProgress(LongSupplier progress, long target, Duration timeout, String what, long pollMillis) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            last = progress.getAsLong();
            if (last >= target) {
                return System.nanoTime();
            }
            sleep(pollMillis);
        }
        throw new IllegalStateException(what + " reached " + last + " of " + target + " within " + timeout);
    }

    /** Generous for the machine's limits (a few thousand rows/s at worst), but bounded. */
    static Duration timeoutFor(long rows) {
        return Duration.ofSeconds(60 + rows / 2_000);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        worker.stop();
        kafka.close();
        postgres.close();
    }
}
