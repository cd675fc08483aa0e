package io.tablestream.benchmarks;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The source connector in {@code mode=cdc}: throughput of the initial snapshot of an orders table and of streaming
 * one large INSERT from the WAL, each beside the source stage's reference loop (cursor SELECT + converter +
 * producer) over the same rows; and commit-to-topic latency of single-row commits at a steady rate.
 */
record CdcBenchmark(BenchEnvironment env, long rows, int customers) {

    private static final String TABLE = "cdc_orders";
    private static final String LATENCY_TABLE = "cdc_latency";
    private static final String LATENCY_PREFIX = "bench.cdc.lat.";
    /** The connector's commit-time header: the transaction's commit timestamp from pgoutput's BEGIN message. */
    private static final String COMMIT_TIME_HEADER = "commit_ts_ms";

    /** Two rows: the snapshot and the streamed INSERT. */
    List<Result> throughput(int runs) {
        List<Double> snapshot = new ArrayList<>();
        List<Double> snapshotReference = new ArrayList<>();
        List<Double> stream = new ArrayList<>();
        List<Double> streamReference = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            env.db.useHandle(h -> h.execute("DROP TABLE IF EXISTS " + TABLE + "; " + OrderRows.createTable(TABLE)));
            CopyBenchmark.copyOrders(env, TABLE, 0, rows, customers, OrderRows.NOTE);
            env.db.useHandle(h -> h.execute("VACUUM ANALYZE " + TABLE));
            String refTopic = "bench.cdc.ref." + run;
            snapshotReference.add(SourceBenchmark.referenceLoop(env, TABLE, 0, rows, refTopic));
            env.kafka.deleteTopics(refTopic);

            String name = "bench-cdc-" + run;
            String topic = "bench.cdc." + run + "." + TABLE;
            Map<String, String> config = cdcConfig(env, "bench.cdc." + run + ".", TABLE, "bench_cdc_" + run);
            // As the source poll stage: bigger polls and producer batches for a bulk load.
            config.putAll(Map.of(
                    "batch.max.rows", Integer.toString(SourceBenchmark.FETCH_SIZE),
                    "producer.override.linger.ms", "20",
                    "producer.override.batch.size", "262144"));
            try {
                long start = System.nanoTime();
                env.rest().createOrUpdateConnector(name, config);
                long end = BenchEnvironment.awaitProgress(() -> env.endOffsets(topic), rows,
                        BenchEnvironment.timeoutFor(rows), name + " snapshot");
                snapshot.add(rows / ((end - start) / 1e9));

                // Decoding starts at the commit (pgoutput protocol 1 does not stream open transactions): time from it.
                env.db.useHandle(h -> h.execute(insertOrders(TABLE, rows, 2 * rows, customers)));
                long committed = System.nanoTime();
                end = BenchEnvironment.awaitProgress(() -> env.endOffsets(topic), 2 * rows,
                        BenchEnvironment.timeoutFor(rows), name + " stream");
                stream.add(rows / ((end - committed) / 1e9));
            } finally {
                env.rest().deleteConnector(name);
                env.kafka.deleteTopics(topic);
            }
            streamReference.add(SourceBenchmark.referenceLoop(env, TABLE, rows, 2 * rows, refTopic));
            env.kafka.deleteTopics(refTopic);
        }
        dropLeftoverSlots();
        String reference = "; reference: cursor SELECT + Struct + JsonConverter + producer over the same rows";
        return List.of(
                Result.throughput("CDC snapshot", String.format(Locale.ROOT, "%,d-row table, mode=cdc initial snapshot"
                        + " (batch.max.rows=5000)" + reference, rows), snapshot, snapshotReference, ">= 0.8"),
                Result.throughput("CDC stream", String.format(Locale.ROOT, "then %,d rows inserted in one statement,"
                        + " from its commit until all are in the topic" + reference, rows), stream, streamReference, ">= 0.8"));
    }

    /**
     * Single-row autocommit INSERTs at {@code ratePerSecond} for {@code seconds}, connector on default settings.
     * Latency of a row: the broker's append time of its record (the topic uses LogAppendTime) minus the
     * transaction's commit time in the record's {@value #COMMIT_TIME_HEADER} header; both clocks are this machine's.
     */
    Result latency(int ratePerSecond, int seconds, int runs) throws SQLException {
        String topic = LATENCY_PREFIX + LATENCY_TABLE;
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> achievedRates = new ArrayList<>();
        String name = "bench-cdc-latency-" + ratePerSecond;
        env.db.useHandle(h -> h.execute("DROP TABLE IF EXISTS " + LATENCY_TABLE + "; CREATE TABLE " + LATENCY_TABLE
                + " (id bigserial PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL,"
                + " created_at timestamptz NOT NULL DEFAULT clock_timestamp(), note text NOT NULL)"));
        env.kafka.createTopic(topic, 1, Map.of("message.timestamp.type", "LogAppendTime"));
        try (Connection db = env.postgres.connect(BenchEnvironment.DATABASE);
             PreparedStatement insert = db.prepareStatement("INSERT INTO " + LATENCY_TABLE
                     + " (customer_id, amount, status, note) VALUES (?, 12.34, 'new', '" + OrderRows.NOTE + "')")) {
            db.setAutoCommit(true); // one commit per row
            // PostgreSQL's default. The embedded server runs with synchronous_commit=off, where a commit's WAL is
            // flushed, and only then decoded for the slot, by the WAL writer every wal_writer_delay (200 ms).
            try (var s = db.createStatement()) {
                s.execute("SET synchronous_commit = on");
            }
            env.rest().createOrUpdateConnector(name, cdcConfig(env, LATENCY_PREFIX, LATENCY_TABLE, "bench_cdc_latency_" + ratePerSecond));
            env.rest().awaitRunning(name, Duration.ofMinutes(2));
            insertOne(insert, 0); // streaming has begun once this row is in the topic
            BenchEnvironment.awaitProgress(() -> env.endOffsets(topic), 1, Duration.ofMinutes(2), name + " first row");
            for (int run = 0; run < runs; run++) {
                long before = env.endOffsets(topic);
                long count = (long) ratePerSecond * seconds;
                long start = System.nanoTime();
                for (long i = 0; i < count; i++) {
                    long due = start + i * 1_000_000_000L / ratePerSecond;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    insertOne(insert, i);
                }
                achievedRates.add(count / CopyBenchmark.seconds(start));
                List<Long> latencies = readLatencies(topic, before, count);
                p50.add(percentile(latencies, 0.50));
                p99.add(percentile(latencies, 0.99));
            }
        } finally {
            env.rest().deleteConnector(name);
            env.kafka.deleteTopics(topic);
        }
        dropLeftoverSlots();
        String text = String.format(Locale.ROOT, "p50 %.0f ms / p99 %.0f ms%s", Result.median(p50), Result.median(p99),
                runs > 1 ? " (p99 of the runs: " + String.join(", ", p99.stream()
                        .map(v -> String.format(Locale.ROOT, "%.0f", v)).toList()) + ")" : "");
        return new Result("CDC latency", String.format(Locale.ROOT, "single-row commits (synchronous_commit=on) at %,d/s"
                + " (achieved %,.0f/s) for %d s, default settings; commit time (header %s) to broker append time", ratePerSecond,
                Result.median(achievedRates), seconds, COMMIT_TIME_HEADER), p99, List.of(), "ms", "p99 < 20 ms", text);
    }

    static Map<String, String> cdcConfig(BenchEnvironment env, String topicPrefix, String table, String slot) {
        Map<String, String> config = new HashMap<>(env.connection());
        config.putAll(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "mode", "cdc",
                "table.include.list", table,
                "topic.prefix", topicPrefix,
                "slot.name", slot,
                "publication.name", slot,
                // Throwaway slots: a slot nobody reads would keep WAL for the rest of the benchmark.
                "slot.drop.on.stop", "true"));
        return config;
    }

    private static void insertOne(PreparedStatement insert, long i) throws SQLException {
        insert.setInt(1, (int) (i % 1000));
        insert.executeUpdate();
    }

    /** Orders {@code from..to-1} with the values {@link OrderRows#value} gives them, in one INSERT statement. */
    static String insertOrders(String table, long from, long to, int customers) {
        return "INSERT INTO " + table + " SELECT i, (i % " + customers + ")::int, ((i % 100000) / 100.0)::numeric(12,2),"
                + " (ARRAY['new','paid','shipped','delivered'])[(i % 4) + 1],"
                + " timestamptz '2026-01-01 00:00:00+00' + i * interval '1 millisecond', '" + OrderRows.NOTE + "'"
                + " FROM generate_series(" + from + ", " + (to - 1) + ") i";
    }

    /** Append time minus commit time of the {@code count} records from offset {@code from} on. */
    private List<Long> readLatencies(String topic, long from, long count) {
        BenchEnvironment.awaitProgress(() -> env.endOffsets(topic), from + count, BenchEnvironment.timeoutFor(count), topic);
        TopicPartition partition = new TopicPartition(topic, 0);
        List<Long> latencies = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", env.bootstrap(),
                "enable.auto.commit", "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (latencies.size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("read " + latencies.size() + " of " + count + " records of " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (latencies.size() < count) {
                        Header commitTime = record.headers().lastHeader(COMMIT_TIME_HEADER);
                        if (commitTime == null) {
                            throw new IllegalStateException("record at offset " + record.offset() + " of " + topic
                                    + " has no " + COMMIT_TIME_HEADER + " header");
                        }
                        long committedMs = Long.parseLong(new String(commitTime.value(), StandardCharsets.UTF_8));
                        latencies.add(record.timestamp() - committedMs);
                    }
                }
            }
        }
        return latencies;
    }

    private static double percentile(List<Long> values, double p) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    /** Slots whose connector was deleted before its task dropped them (the task stops asynchronously). */
    void dropLeftoverSlots() {
        BenchEnvironment.sleep(2000);
        env.db.useHandle(h -> h.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name LIKE 'bench_cdc%' AND NOT active"));
    }
}
