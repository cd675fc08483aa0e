package io.tablestream.benchmarks;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Our {@code mode=cdc} beside Debezium's PostgreSQL connector in the same worker, on the same table, both at their
 * default settings (pgoutput for both; each its own slot and publication, dropped on stop): the initial snapshot of
 * the table from the connector's POST until its topic holds every row, then one {@code INSERT ... SELECT} of as many
 * rows from its commit until the topic holds them too. The two run one after the other, each on a freshly loaded
 * copy of the table, so neither competes with the other for the machine, after a warm-up of both. The worker's
 * heap is sampled while ours runs; each connector's producer is read over the worker's JMX.
 */
record DebeziumCdcBenchmark(BenchEnvironment env, long rows, int customers, List<String> producerLines) {

    DebeziumCdcBenchmark(BenchEnvironment env, long rows, int customers) {
        this(env, rows, customers, new java.util.concurrent.CopyOnWriteArrayList<>());
    }

    static final String DEBEZIUM_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector";
    private static final String TABLE = "cdc_dbz_orders";
    /** The commit rate of the latency row: a steady, modest load of single-row transactions. */
    static final int LATENCY_RATE = 1_000;
    /** What the worker's heap peak while ours runs is kept under. */
    private static final String HEAP = "cdc-debezium ours";

    /** Set: ours reads its snapshot with this snapshot.max.threads instead of the default. */
    static final String SNAPSHOT_THREADS_ENV = "TABLESTREAM_BENCH_SNAPSHOT_THREADS";
    /**
     * Set (bytes): both connectors' producers batch up to this many bytes ({@code producer.override.batch.size},
     * with {@code linger.ms=20}) instead of Connect's default 16 KiB, to see the ratio where one 16 KiB batch per
     * round trip to the broker is not the limit. Not the targets' setting.
     */
    static final String PRODUCER_BATCH_ENV = "TABLESTREAM_BENCH_PRODUCER_BATCH";
    /** Rows of the warm-up read by each connector before the measured runs (fewer when the table is smaller). */
    static final long WARMUP_ROWS = 100_000;

    /** Two rows (snapshot and streamed INSERT ... SELECT, ours against Debezium) and the latency row. */
    List<Result> run(int runs, int latencySeconds, Path repoRoot) throws Exception {
        if (!Files.isDirectory(BenchEnvironment.debeziumPostgresPlugins(repoRoot))) {
            throw new IllegalStateException("Debezium's PostgreSQL connector is not in "
                    + BenchEnvironment.debeziumPostgresPlugins(repoRoot) + "; benchmarks/run.sh copies it there");
        }
        List<Double> oursSnapshot = new ArrayList<>();
        List<Double> oursStream = new ArrayList<>();
        List<Double> debeziumSnapshot = new ArrayList<>();
        List<Double> debeziumStream = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            String ours = "bench_cdcdbz_ours_" + run;
            Map<String, String> oursConfig = CdcBenchmark.cdcConfig(env, ours + ".", TABLE, ours);
            String threads = System.getenv(SNAPSHOT_THREADS_ENV);
            if (threads != null && !threads.isBlank()) {
                oursConfig.put("snapshot.max.threads", threads.trim()); // to compare against the default
            }
            Map<String, String> debeziumConfig = debezium("bench_cdcdbz_debezium_" + run);
            String batch = System.getenv(PRODUCER_BATCH_ENV);
            if (batch != null && !batch.isBlank()) {
                for (Map<String, String> config : List.of(oursConfig, debeziumConfig)) {
                    config.put("producer.override.batch.size", batch.trim());
                    config.put("producer.override.linger.ms", "20");
                }
            }
            if (run == 0) {
                warmUp(oursConfig, debeziumConfig);
            }
            double[] figures = measure("ours", run, ours + "." + TABLE, oursConfig, true);
            oursSnapshot.add(figures[0]);
            oursStream.add(figures[1]);
            String debezium = "bench_cdcdbz_debezium_" + run;
            figures = measure("Debezium", run, debezium + ".public." + TABLE, debeziumConfig, false);
            debeziumSnapshot.add(figures[0]);
            debeziumStream.add(figures[1]);
        }
        // The table still holds the last run's rows: the snapshot's 0..rows-1 are what both connectors read first.
        Map<String, String> oursDefaults = CdcBenchmark.cdcConfig(env, "bench.cdc.ceiling.", TABLE, "unused");
        CdcRecordCeiling.Figures ceiling = new CdcRecordCeiling(env, TABLE, rows, "default", Map.of(), true)
                .run(oursDefaults);
        CdcRecordCeiling.Figures headerless = new CdcRecordCeiling(env, TABLE, rows, "noheaders", Map.of(), false)
                .run(oursDefaults);
        CdcRecordCeiling.Figures batched = new CdcRecordCeiling(env, TABLE, rows, "batched", Map.of(
                "linger.ms", 20, "batch.size", 262_144), true).run(oursDefaults);
        System.out.println("CDC record ceiling, Connect's default producer: " + ceiling);
        System.out.println("CDC record ceiling, Connect's default producer, records without headers: " + headerless);
        System.out.println("CDC record ceiling, linger.ms=20, batch.size=262144: " + batched);
        CdcBenchmark cdc = new CdcBenchmark(env, rows, customers);
        cdc.dropLeftoverSlots();
        Result latency = cdc.latency(LATENCY_RATE, latencySeconds, runs);
        String reference = "; reference: Debezium's PostgreSQL connector 3.6.1.Final, default settings"
                + " (plugin.name=pgoutput), the same worker and table";
        return List.of(
                new Result("CDC snapshot vs Debezium", String.format(Locale.ROOT, "%,d-row table, initial snapshot,"
                        + " from the POST until the topic holds every row, default settings" + reference, rows),
                        oursSnapshot, debeziumSnapshot, "rows/s", ">= 5", ""),
                new Result("CDC stream vs Debezium", String.format(Locale.ROOT, "then one INSERT ... SELECT of %,d"
                        + " rows, from its commit until the topic holds them, default settings" + reference, rows),
                        oursStream, debeziumStream, "rows/s", ">= 4", ""),
                new Result("CDC snapshot vs record ceiling", String.format(Locale.ROOT, "the same snapshot against a"
                        + " loop without Connect over its rows: cursor, our records (key, flat value, headers), the"
                        + " worker's JsonConverter and SimpleHeaderConverter, a producer with Connect's defaults: %s;"
                        + " the same without headers: %s; with linger.ms=20 and batch.size=262144: %s", ceiling,
                        headerless, batched),
                        oursSnapshot, List.of(ceiling.rowsPerSecond()), "rows/s", "", ""),
                latency,
                new Result("CDC producer", "each connector's producer in the worker (JMX; one 16 KiB batch per"
                        + " request at default settings): " + String.join("; ", producerLines), List.of(), List.of(),
                        "", "", ""),
                new Result("CDC heap", "peak heap the worker used (jstat, every 250 ms, garbage included) while ours"
                        + " read the snapshot and the stream above", env.peakWorkerHeapMb(HEAP) < 0 ? List.of()
                        : List.of((double) env.peakWorkerHeapMb(HEAP)), List.of(), "MB", "< 512 MB at 5,000,000 rows",
                        ""));
    }

    /**
     * Each connector reads a smaller table the same way first (its own slot and topic, figures discarded), so that
     * both are measured in a worker and a broker whose code the JIT has compiled: the connector measured first would
     * otherwise pay the compilation of Connect's converter and producer and of the broker's request path (seconds of
     * CPU of both JVMs on this 2-core machine) for both.
     */
    private void warmUp(Map<String, String> oursConfig, Map<String, String> debeziumConfig) {
        DebeziumCdcBenchmark warm = new DebeziumCdcBenchmark(env, Math.min(rows, WARMUP_ROWS), customers);
        Map<String, String> ours = new HashMap<>(oursConfig);
        ours.putAll(CdcBenchmark.cdcConfig(env, "bench_cdcdbz_warm_ours.", TABLE, "bench_cdcdbz_warm_ours"));
        warm.measure("ours", -1, "bench_cdcdbz_warm_ours." + TABLE, ours, false);
        Map<String, String> debezium = new HashMap<>(debeziumConfig);
        debezium.putAll(debezium("bench_cdcdbz_warm_debezium"));
        warm.measure("Debezium", -1, "bench_cdcdbz_warm_debezium.public." + TABLE, debezium, false);
        // The heap peak is sampled with its garbage: what the warm-up left in the old generation is not ours' run's.
        env.worker.pid().ifPresent(HeapSampler::usedMbAfterGc);
    }

    /** Rows/s of the snapshot and of the streamed INSERT ... SELECT of one connector on a freshly loaded table. */
    private double[] measure(String who, int run, String topic, Map<String, String> config, boolean sampleHeap) {
        env.db.useHandle(h -> h.execute("DROP TABLE IF EXISTS " + TABLE + "; " + OrderRows.createTable(TABLE)));
        CopyBenchmark.copyOrders(env, TABLE, 0, rows, customers, OrderRows.NOTE);
        env.db.useHandle(h -> h.execute("VACUUM ANALYZE " + TABLE));
        String name = "bench-cdc-" + who.toLowerCase(Locale.ROOT) + "-" + (run < 0 ? "warm" : Integer.toString(run));
        try {
            return sampleHeap ? env.sampleWorkerHeap(HEAP, () -> snapshotAndStream(who, run, name, topic, config))
                    : snapshotAndStream(who, run, name, topic, config);
        } finally {
            env.rest().deleteConnector(name);
            if (env.endOffsets(topic) > 0) { // else a failure to delete it would hide the failure that ended the run
                env.kafka.deleteTopics(topic);
            }
        }
    }

    private double[] snapshotAndStream(String who, int run, String name, String topic, Map<String, String> config) {
        progress(who, run, "snapshot");
        WorkerProducerMetrics producer = env.worker.pid().isPresent()
                ? new WorkerProducerMetrics(env.worker.pid().getAsLong(),
                DebeziumSinkBenchmark.postmasterPid(env)) : null;
        try {
            return snapshotAndStream(who, run, name, topic, config, producer);
        } finally {
            if (producer != null) {
                producer.close();
            }
        }
    }

    private double[] snapshotAndStream(String who, int run, String name, String topic, Map<String, String> config,
                                       WorkerProducerMetrics producer) {
        WorkerProducerMetrics.Sample before = producer == null ? null : producer.sample(name);
        long start = System.nanoTime();
        env.rest().createOrUpdateConnector(name, config);
        int[] polls = {0};
        long end = BenchEnvironment.awaitProgress(() -> {
            if (++polls[0] % 40 == 0) { // the status exists a moment after the POST
                DebeziumSinkBenchmark.failOnFailedTask(env, name);
            }
            return env.endOffsets(topic);
        }, rows, BenchEnvironment.timeoutFor(rows), name + " snapshot");
        double snapshot = rows / ((end - start) / 1e9);
        // What decides how many records Connect's default producer (one 16 KiB batch in flight) sends per round trip.
        System.out.printf(Locale.ROOT, "CDC-DEBEZIUM %s %d snapshot: %,.0f bytes per record on the broker%n", who, run,
                env.topicBytes(topic) / (double) env.endOffsets(topic));
        WorkerProducerMetrics.Sample snapshotEnd = producer == null ? null : producer.sample(name);
        producerLine(who, run, "snapshot", before, snapshotEnd);

        progress(who, run, "stream");
        env.db.useHandle(h -> h.execute(CdcBenchmark.insertOrders(TABLE, rows, 2 * rows, customers)));
        WorkerProducerMetrics.Sample streamStart = producer == null ? null : producer.sample(name);
        long committed = System.nanoTime();
        end = BenchEnvironment.awaitProgress(() -> env.endOffsets(topic), 2 * rows,
                BenchEnvironment.timeoutFor(rows), name + " stream");
        producerLine(who, run, "stream", streamStart, producer == null ? null : producer.sample(name));
        progress(who, run, "done");
        return new double[] {snapshot, rows / ((end - committed) / 1e9)};
    }

    /**
     * The phase as the connector's producer saw it (the worker's JMX): requests, records per request, wall time per
     * request against the producer's request latency, CPU per record of its network thread and of the task thread.
     */
    private void producerLine(String who, int run, String phase, WorkerProducerMetrics.Sample start,
                              WorkerProducerMetrics.Sample end) {
        if (start != null && end != null) {
            String line = String.format(Locale.ROOT, "%s %s: %s", who, phase, end.since(start));
            producerLines.add(line);
            System.out.println("CDC-DEBEZIUM " + run + " producer, " + line);
            System.out.println("CDC-DEBEZIUM " + run + " worker threads, us CPU per record, " + who + " " + phase + ": "
                    + end.busiestThreads(start, 8));
        }
    }

    /** A line to time a profiler by (e.g. JFR started on the worker while "ours 0 stream" runs). */
    private static void progress(String who, int run, String phase) {
        System.out.println("CDC-DEBEZIUM " + who + " " + run + " " + phase);
    }

    private Map<String, String> debezium(String name) {
        URI server = URI.create(env.url.substring("jdbc:".length()));
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", DEBEZIUM_CONNECTOR);
        config.put("database.hostname", server.getHost());
        config.put("database.port", Integer.toString(server.getPort()));
        config.put("database.user", env.postgres.user());
        config.put("database.password", env.postgres.passwordOrEmpty());
        config.put("database.dbname", BenchEnvironment.DATABASE);
        config.put("topic.prefix", name);
        config.put("table.include.list", "public." + TABLE);
        config.put("plugin.name", "pgoutput"); // the server has no decoderbufs
        config.put("slot.name", name);
        config.put("publication.name", name);
        config.put("publication.autocreate.mode", "filtered"); // as ours: a publication of the captured table
        config.put("slot.drop.on.stop", "true");
        return config;
    }
}
