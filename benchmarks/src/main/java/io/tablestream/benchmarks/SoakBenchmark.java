package io.tablestream.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * The soak: the end-to-end pipeline (DB insert -> source -> enricher -> sink) at a steady rate for a long time.
 * Reports throughput, p99 latency (whole run, first and last minute), the worker's heap after a full GC and the open
 * PostgreSQL connections, at start and end: a pipeline that leaks shows growth between the two.
 */
record SoakBenchmark(BenchEnvironment env, int ratePerSecond, int seconds) {

    List<Result> run() throws Exception {
        try (BenchPipeline pipeline = BenchPipeline.start(env, "soak")) {
            long workerPid = env.worker.pid().orElseThrow();
            try (HeapSampler heap = new HeapSampler(workerPid, 1000)) {
                long heapStart = HeapSampler.usedMbAfterGc(workerPid);
                long connectionsStart = connections();
                long inserted = pipeline.generate(ratePerSecond, seconds, rowsSoFar -> System.out.printf(Locale.ROOT,
                        "soak: %,d rows inserted, %,d written%n", rowsSoFar, pipeline.enrichedRows()));
                long connectionsEnd = connections();
                BenchEnvironment.awaitProgress(pipeline::enrichedRows, inserted,
                        BenchEnvironment.timeoutFor(inserted), "soak_enriched");
                long heapEnd = HeapSampler.usedMbAfterGc(workerPid);
                long written = pipeline.enrichedRows();
                return results(inserted, written, heapStart, heapEnd, heap.peakMb(), connectionsStart, connectionsEnd);
            }
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
}
