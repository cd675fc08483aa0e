package io.tablestream.benchmarks;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.JdbiException;
import org.postgresql.PGConnection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * Sink throughput: the connector draining a topic of orders into a table, beside a plain consumer + COPY loop using the
 * same converter (no Connect) on the same records.
 */
record SinkBenchmark(BenchEnvironment env, long rows, int customers) {

    /** What the worker's heap peak is kept under (see {@link BenchEnvironment#peakWorkerHeapMb}). */
    static final String HEAP = "sink";
    private static final int REFERENCE_BATCH = 5_000;

    Result run(boolean upsert, int partitions, int runs) {
        String topic = "bench.sink.p" + partitions;
        if (env.endOffsets(topic) < rows) {
            env.produceOrders(topic, partitions, rows, customers, OrderRows.NOTE);
        }
        List<Double> ours = new ArrayList<>();
        List<Double> reference = new ArrayList<>();
        String mode = upsert ? "upsert" : "insert";
        for (int run = 0; run < runs; run++) {
            String refTable = "sink_ref_" + mode + "_p" + partitions + "_" + run;
            prepare(env, refTable, rows, upsert);
            reference.add(referenceLoop(topic, partitions, refTable, upsert, value -> value));
            String table = "sink_" + mode + "_p" + partitions + "_" + run;
            prepare(env, table, rows, upsert);
            ours.add(connector(topic, partitions, table, upsert, run));
            env.db.useHandle(h -> h.execute("DROP TABLE " + refTable + "; DROP TABLE " + table));
        }
        String workload = String.format("%,d records in a topic, %d partition%s%s", rows, partitions,
                partitions == 1 ? "" : "s", upsert ? ", half of the keys already in the table" : "");
        String referenceName = upsert ? "consumer + COPY into staging + INSERT ... ON CONFLICT" : "consumer + COPY";
        return new Result("sink " + mode, workload + "; reference: " + referenceName, ours, reference, "rows/s",
                ">= 0.8", "");
    }

    /** A new orders table; for an upsert, half of the keys (the even ids) already in it with an older note. */
    static void prepare(BenchEnvironment env, String table, long rows, boolean upsert) {
        env.db.useHandle(h -> h.execute(OrderRows.createTable(table)));
        if (upsert) {
            env.db.useHandle(h -> h.execute("INSERT INTO " + table + " SELECT id, 0, 0, 'old', now(), 'old'"
                    + " FROM generate_series(0, " + (rows - 1) + ", 2) AS id"));
        }
    }

    private double connector(String topic, int partitions, String table, boolean upsert, int run) {
        String name = "bench-sink-" + table + "-" + run;
        Map<String, String> config = new HashMap<>(env.connection());
        config.putAll(Map.of(
                "connector.class", "io.tablestream.sink.PostgresSinkConnector",
                "tasks.max", Integer.toString(Math.min(partitions, 2)),
                "topics", topic,
                "table.name.format", table,
                "insert.mode", upsert ? "upsert" : "insert",
                "pk.mode", "record_key",
                "batch.size", "5000",
                "consumer.override.max.poll.records", "5000"));
        String done = upsert ? "SELECT count(*) FROM " + table + " WHERE note <> 'old'" : "SELECT count(*) FROM " + table;
        long start = System.nanoTime();
        try {
            return env.sampleWorkerHeap(HEAP, () -> {
                env.rest().createOrUpdateConnector(name, config);
                awaitRows(name, table, done);
                return rows / ((System.nanoTime() - start) / 1e9);
            });
        } finally {
            env.rest().deleteConnector(name);
        }
    }

    /**
     * Cheap, exact progress first: the records the connector has written, from its offsets table (exactly.once, the
     * default, stores them in the same transaction as the rows); then an exact count. Not pg_stat_user_tables: a
     * backend that goes idle reports its last second of writes only after PostgreSQL's 10 s idle flush interval,
     * which added up to 10 s to a run.
     */
    private void awaitRows(String connector, String table, String exactCount) {
        BenchEnvironment.awaitProgress(() -> recordsWritten(connector), rows, BenchEnvironment.timeoutFor(rows),
                table + " (connector offsets)");
        BenchEnvironment.awaitProgress(() -> env.count(exactCount), rows, BenchEnvironment.timeoutFor(rows), table);
    }

    /** The topic holds exactly {@code rows} records from offset 0 in every partition. */
    private long recordsWritten(String connector) {
        try {
            return env.count("SELECT coalesce(sum(kafka_offset + 1), 0) FROM tablestream_sink_offsets"
                    + " WHERE connector_name = '" + connector + "'");
        } catch (JdbiException e) { // the task has not created the offsets table yet
            return 0;
        }
    }

    /**
     * The same work without Connect: consume, convert with JsonConverter, take the row ({@code row} of the converted
     * value: itself, or a change envelope's after), COPY; one thread per two partitions. Returns rows/s.
     */
    double referenceLoop(String topic, int partitions, String table, boolean upsert, UnaryOperator<Struct> row) {
        int threads = Math.min(partitions, 2);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<TopicPartition> assigned = new ArrayList<>();
                for (int p = t; p < partitions; p += threads) {
                    assigned.add(new TopicPartition(topic, p));
                }
                done.add(pool.submit(() -> {
                    consumeAndCopy(assigned, table, upsert, row);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("Sink reference loop failed", e);
        } finally {
            pool.shutdown();
        }
        return rows / CopyBenchmark.seconds(start);
    }

    private void consumeAndCopy(List<TopicPartition> partitions, String table, boolean upsert,
                                UnaryOperator<Struct> row) throws Exception {
        JsonConverter converter = BenchEnvironment.converter(false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, REFERENCE_BATCH,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             Connection db = env.postgres.connect(BenchEnvironment.DATABASE)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            String target = upsert ? "bench_stage" : table;
            if (upsert) {
                try (Statement s = db.createStatement()) {
                    s.execute("CREATE TEMP TABLE bench_stage (LIKE " + table + ")");
                }
                db.setAutoCommit(false);
            }
            StringBuilder lines = new StringBuilder();
            int buffered = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Struct value = (Struct) converter.toConnectData(record.topic(), record.value()).value();
                    OrderRows.appendCopyLine(lines, row.apply(value));
                    if (++buffered == REFERENCE_BATCH) {
                        flush(db, target, table, lines, upsert);
                        buffered = 0;
                    }
                }
            }
            if (buffered > 0) {
                flush(db, target, table, lines, upsert);
            }
        }
    }

    private static void flush(Connection db, String copyTarget, String table, StringBuilder lines, boolean upsert)
            throws Exception {
        byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
        db.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + copyTarget + " FROM STDIN",
                new java.io.ByteArrayInputStream(bytes));
        lines.setLength(0);
        if (upsert) {
            try (Statement s = db.createStatement()) {
                s.execute("INSERT INTO " + table + " SELECT * FROM bench_stage ON CONFLICT (id) DO UPDATE SET"
                        + " customer_id = EXCLUDED.customer_id, amount = EXCLUDED.amount, status = EXCLUDED.status,"
                        + " created_at = EXCLUDED.created_at, note = EXCLUDED.note");
                s.execute("TRUNCATE bench_stage");
            }
            db.commit();
        }
    }
}
