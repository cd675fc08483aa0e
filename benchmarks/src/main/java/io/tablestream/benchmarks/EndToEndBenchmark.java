package io.tablestream.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end latency: rows inserted at a steady rate flow through source connector -> enricher -> sink connector;
 * latency of a row = the sink row's write time minus the source row's commit-time stamp, both by the database clock.
 */
record EndToEndBenchmark(BenchEnvironment env, int ratePerSecond, int seconds) {

    Result run() throws Exception {
        try (BenchPipeline pipeline = BenchPipeline.start(env, "e2e")) {
            long inserted = pipeline.generate(ratePerSecond, seconds, rowsSoFar -> { });
            BenchEnvironment.awaitProgress(pipeline::enrichedRows, inserted, Duration.ofMinutes(5), "e2e_enriched");
            double[] latency = env.db.withHandle(h -> h.createQuery("""
                    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)
                    FROM (SELECT extract(epoch FROM written_at - created_at) * 1000 AS ms FROM e2e_enriched) l""")
                    .map((rs, ctx) -> new double[] {rs.getDouble(1), rs.getDouble(2)}).one());
            String text = String.format(Locale.ROOT, "p50 %.0f ms / p99 %.0f ms", latency[0], latency[1]);
            return new Result("end to end", String.format(Locale.ROOT, "DB insert -> source -> enricher -> sink row,"
                    + " %,d rows/s for %d s (source poll.interval.ms=50)", ratePerSecond, seconds),
                    List.of(latency[1]), List.of(), "ms", "p99 < 500 ms", text);
        }
    }
}
