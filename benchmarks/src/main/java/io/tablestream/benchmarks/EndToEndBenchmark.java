package io.tablestream.benchmarks;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import org.apache.kafka.streams.KafkaStreams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * End-to-end latency: rows inserted at a steady rate flow through source connector -> enricher -> sink connector;
 * latency of a row = the sink row's write time minus the source row's commit-time stamp, both by the database clock.
 */
final class EndToEndBenchmark {

    private static final String PREFIX = "bench.e2e.";

    private final BenchEnvironment env;
    private final int ratePerSecond;
    private final int seconds;

    EndToEndBenchmark(BenchEnvironment env, int ratePerSecond, int seconds) {
        this.env = env;
        this.ratePerSecond = ratePerSecond;
        this.seconds = seconds;
    }

    Result run() throws Exception {
        env.db.useHandle(h -> h.execute("""
                CREATE TABLE e2e_customers (id int PRIMARY KEY, name text NOT NULL, city text NOT NULL);
                INSERT INTO e2e_customers SELECT i, 'customer ' || i, 'city ' || (i % 50) FROM generate_series(0, 999) i;
                CREATE TABLE e2e_orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL,
                                         status text NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                                         note text NOT NULL);
                CREATE TABLE e2e_enriched (id bigint PRIMARY KEY, customer_id int, amount numeric(12,2), status text,
                                           created_at timestamptz, note text, customer_name text, customer_city text,
                                           written_at timestamptz NOT NULL DEFAULT clock_timestamp());
                """));
        for (String topic : List.of("e2e_customers", "e2e_orders", "enriched")) {
            env.kafka.createTopic(PREFIX + topic, 1);
        }
        Map<String, String> source = new HashMap<>(env.connection());
        source.putAll(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "table.include.list", "e2e_customers,e2e_orders",
                "mode", "incrementing",
                "incrementing.column.name", "id",
                "topic.prefix", PREFIX,
                "poll.interval.ms", "50",
                "batch.max.rows", "1000"));
        Map<String, String> sink = new HashMap<>(env.connection());
        sink.putAll(Map.of(
                "connector.class", "io.tablestream.sink.PostgresSinkConnector",
                "topics", PREFIX + "enriched",
                "table.name.format", "e2e_enriched",
                "insert.mode", "upsert",
                "pk.mode", "record_key"));
        env.rest().createOrUpdateConnector("bench-e2e-source", source);
        env.rest().createOrUpdateConnector("bench-e2e-sink", sink);
        KafkaStreams enricher = EnricherApp.create(new EnricherConfig(Map.of(
                "application.id", "bench-e2e-enricher",
                "bootstrap.servers", env.bootstrap(),
                "input.topic", PREFIX + "e2e_orders",
                "lookup.topic", PREFIX + "e2e_customers",
                "output.topic", PREFIX + "enriched",
                "join.field", "customer_id",
                "lookup.fields", "name,city",
                "lookup.prefix", "customer_",
                "state.dir", Files.createTempDirectory("bench-e2e").toString())));
        enricher.start();
        try {
            env.rest().awaitRunning("bench-e2e-source", Duration.ofMinutes(2));
            env.rest().awaitRunning("bench-e2e-sink", Duration.ofMinutes(2));
            BenchEnvironment.awaitProgress(() -> enricher.state() == KafkaStreams.State.RUNNING ? 1 : 0, 1,
                    Duration.ofMinutes(2), "enricher RUNNING");
            BenchEnvironment.sleep(2000); // let the customers reach the enricher's table before the first order
            long inserted = generate();
            BenchEnvironment.awaitProgress(() -> env.count("SELECT count(*) FROM e2e_enriched"), inserted,
                    Duration.ofMinutes(5), "e2e_enriched");
            double[] latency = env.db.withHandle(h -> h.createQuery("""
                    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)
                    FROM (SELECT extract(epoch FROM written_at - created_at) * 1000 AS ms FROM e2e_enriched) l""")
                    .map((rs, ctx) -> new double[] {rs.getDouble(1), rs.getDouble(2)}).one());
            String text = String.format(Locale.ROOT, "p50 %.0f ms / p99 %.0f ms", latency[0], latency[1]);
            return new Result("end to end", String.format(Locale.ROOT, "DB insert -> source -> enricher -> sink row,"
                    + " %,d rows/s for %d s (source poll.interval.ms=50)", ratePerSecond, seconds),
                    List.of(latency[1]), List.of(), "ms", "p99 < 500 ms", text);
        } finally {
            enricher.close(Duration.ofSeconds(60));
            env.rest().deleteConnector("bench-e2e-source");
            env.rest().deleteConnector("bench-e2e-sink");
        }
    }

    /** Inserts at the target rate in 10 ms ticks; returns how many rows it inserted. */
    private long generate() {
        int perTick = Math.max(1, ratePerSecond / 100);
        long ticks = seconds * 100L;
        String insert = "INSERT INTO e2e_orders (customer_id, amount, status, note) SELECT (random() * 999)::int, 12.34,"
                + " 'new', '" + OrderRows.NOTE + "' FROM generate_series(1, " + perTick + ")";
        env.db.useHandle(h -> {
            long start = System.nanoTime();
            for (long tick = 0; tick < ticks; tick++) {
                long wait = start + tick * 10_000_000L - System.nanoTime();
                if (wait > 0) {
                    BenchEnvironment.sleep(wait / 1_000_000);
                }
                h.execute(insert);
            }
        });
        return ticks * perTick;
    }
}
