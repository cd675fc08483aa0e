package io.tablestream.benchmarks;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import org.apache.kafka.streams.KafkaStreams;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The soak: the end-to-end pipeline (DB insert -> source -> enricher -> sink) at a steady rate for a long time.
 * Reports throughput, p99 latency (whole run, first and last minute), the worker's heap after a full GC and the open
 * PostgreSQL connections, at start and end: a pipeline that leaks shows growth between the two.
 */
final class SoakBenchmark {

    private static final String PREFIX = "bench.soak.";
    private static final long TICK_MS = 10;

    private final BenchEnvironment env;
    private final int ratePerSecond;
    private final int seconds;

    SoakBenchmark(BenchEnvironment env, int ratePerSecond, int seconds) {
        this.env = env;
        this.ratePerSecond = ratePerSecond;
        this.seconds = seconds;
    }

    List<Result> run() throws Exception {
        env.db.useHandle(h -> h.execute("""
                CREATE TABLE soak_customers (id int PRIMARY KEY, name text NOT NULL, city text NOT NULL);
                INSERT INTO soak_customers SELECT i, 'customer ' || i, 'city ' || (i % 50) FROM generate_series(0, 999) i;
                CREATE TABLE soak_orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL,
                                          status text NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                                          note text NOT NULL);
                CREATE TABLE soak_enriched (id bigint PRIMARY KEY, customer_id int, amount numeric(12,2), status text,
                                            created_at timestamptz, note text, customer_name text, customer_city text,
                                            written_at timestamptz NOT NULL DEFAULT clock_timestamp());
                """));
        for (String topic : List.of("soak_customers", "soak_orders", "enriched")) {
            env.kafka.createTopic(PREFIX + topic, 1);
        }
        Map<String, String> source = new HashMap<>(env.connection());
        source.putAll(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "table.include.list", "soak_customers,soak_orders",
                "mode", "incrementing",
                "incrementing.column.name", "id",
                "topic.prefix", PREFIX,
                "poll.interval.ms", "50",
                "batch.max.rows", "1000"));
        Map<String, String> sink = new HashMap<>(env.connection());
        sink.putAll(Map.of(
                "connector.class", "io.tablestream.sink.PostgresSinkConnector",
                "topics", PREFIX + "enriched",
                "table.name.format", "soak_enriched",
                "insert.mode", "upsert",
                "pk.mode", "record_key"));
        env.rest().createOrUpdateConnector("bench-soak-source", source);
        env.rest().createOrUpdateConnector("bench-soak-sink", sink);
        KafkaStreams enricher = EnricherApp.create(new EnricherConfig(Map.of(
                "application.id", "bench-soak-enricher",
                "bootstrap.servers", env.bootstrap(),
                "input.topic", PREFIX + "soak_orders",
                "lookup.topic", PREFIX + "soak_customers",
                "output.topic", PREFIX + "enriched",
                "join.field", "customer_id",
                "lookup.fields", "name,city",
                "lookup.prefix", "customer_",
                "state.dir", Files.createTempDirectory("bench-soak").toString())));
        enricher.start();
        long workerPid = env.worker.pid().orElseThrow();
        try (HeapSampler heap = new HeapSampler(workerPid, 1000)) {
            env.rest().awaitRunning("bench-soak-source", Duration.ofMinutes(2));
            env.rest().awaitRunning("bench-soak-sink", Duration.ofMinutes(2));
            BenchEnvironment.awaitProgress(() -> enricher.state() == KafkaStreams.State.RUNNING ? 1 : 0, 1,
                    Duration.ofMinutes(2), "enricher RUNNING");
            BenchEnvironment.sleep(2000); // let the customers reach the enricher's table before the first order

            long heapStart = HeapSampler.usedMbAfterGc(workerPid);
            long connectionsStart = connections();
            long inserted = generate();
            long connectionsEnd = connections();
            BenchEnvironment.awaitProgress(() -> env.count("SELECT count(*) FROM soak_enriched"), inserted,
                    BenchEnvironment.timeoutFor(inserted), "soak_enriched");
            long heapEnd = HeapSampler.usedMbAfterGc(workerPid);
            long written = env.count("SELECT count(*) FROM soak_enriched");
            return results(inserted, written, heapStart, heapEnd, heap.peakMb(), connectionsStart, connectionsEnd);
        } finally {
            enricher.close(Duration.ofSeconds(60));
            env.rest().deleteConnector("bench-soak-source");
            env.rest().deleteConnector("bench-soak-sink");
        }
    }

    private List<Result> results(long inserted, long written, long heapStart, long heapEnd, long heapPeak,
                                 long connectionsStart, long connectionsEnd) {
        double[] r = env.db.withHandle(h -> h.createQuery("""
                WITH l AS (SELECT created_at, extract(epoch FROM written_at - created_at) * 1000 AS ms FROM soak_enriched),
                     b AS (SELECT min(created_at) AS t0, max(created_at) AS t1 FROM l)
                SELECT (SELECT extract(epoch FROM max(written_at) - min(created_at)) FROM soak_enriched),
                       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM l),
                       (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM l),
                       (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM l, b
                        WHERE l.created_at < b.t0 + least(interval '60 s', (b.t1 - b.t0) / 2)),
                       (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM l, b
                        WHERE l.created_at >= b.t1 - least(interval '60 s', (b.t1 - b.t0) / 2)),
                       (SELECT max(ms) FROM l)""")
                .map((rs, ctx) -> new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4),
                        rs.getDouble(5), rs.getDouble(6)}).one());
        String workload = String.format(Locale.ROOT, "DB insert -> source -> enricher -> sink row, %,d rows/s for %d s",
                ratePerSecond, seconds);
        double throughput = written / r[0];
        return List.of(
                new Result("soak throughput", workload, List.of(throughput), List.of(), "rows/s",
                        String.format(Locale.ROOT, "%,d rows/s, steady", ratePerSecond),
                        String.format(Locale.ROOT, "%,.0f rows/s: %,d rows inserted, %,d written (%,d missing) in %.0f s"
                                + " from first insert to last write", throughput, inserted, written, inserted - written,
                                r[0])),
                new Result("soak latency", workload, List.of(r[2]), List.of(), "ms", "p99 < 500 ms, no growth",
                        String.format(Locale.ROOT, "p50 %.0f ms, p99 %.0f ms, max %.0f ms; p99 first minute %.0f ms,"
                                + " last minute %.0f ms", r[1], r[2], r[5], r[3], r[4])),
                new Result("soak worker heap", workload, List.of((double) heapEnd), List.of(), "MB",
                        "no growth, under 512 MB", String.format(Locale.ROOT, "after a full GC: %d MB at start,"
                                + " %d MB at end (peak used %d MB)", heapStart, heapEnd, heapPeak)),
                new Result("soak PG connections", workload, List.of((double) connectionsEnd), List.of(), "connections",
                        "no growth", String.format(Locale.ROOT, "%d at start of load, %d at end"
                                + " (pg_stat_activity, benchmark database)", connectionsStart, connectionsEnd)));
    }

    /** Backends connected to the benchmark database, the benchmark's own included (one handle, the same at both ends). */
    private long connections() {
        return env.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + BenchEnvironment.DATABASE + "'");
    }

    /** Inserts at the target rate in 10 ms ticks, printing progress each minute; returns how many rows it inserted. */
    private long generate() {
        int perTick = Math.max(1, (int) (ratePerSecond * TICK_MS / 1000));
        long ticks = seconds * 1000L / TICK_MS;
        long ticksPerMinute = 60_000 / TICK_MS;
        String insert = "INSERT INTO soak_orders (customer_id, amount, status, note) SELECT (random() * 999)::int, 12.34,"
                + " 'new', '" + OrderRows.NOTE + "' FROM generate_series(1, " + perTick + ")";
        env.db.useHandle(h -> {
            long start = System.nanoTime();
            for (long tick = 0; tick < ticks; tick++) {
                long wait = start + tick * TICK_MS * 1_000_000L - System.nanoTime();
                if (wait > 0) {
                    BenchEnvironment.sleep(wait / 1_000_000);
                }
                h.execute(insert);
                if ((tick + 1) % ticksPerMinute == 0) {
                    System.out.printf(Locale.ROOT, "soak %d s: %,d rows inserted, %,d written%n",
                            (tick + 1) * TICK_MS / 1000, (tick + 1) * perTick,
                            env.count("SELECT count(*) FROM soak_enriched"));
                }
            }
        });
        return ticks * perTick;
    }
}
