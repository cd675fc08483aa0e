package io.tablestream.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Our sink beside Debezium's JDBC sink connector in the same worker, on the same topic of Debezium change envelopes
 * (4 partitions, upsert by record key into a table that already holds half of the keys): ours at its default
 * settings and tuned, Debezium's tuned alike. Each figure is the time from the connector's POST to the last row.
 */
record DebeziumSinkBenchmark(BenchEnvironment env, long rows, int customers) {

    static final String DEBEZIUM_CONNECTOR = "io.debezium.connector.jdbc.JdbcSinkConnector";
    private static final int PARTITIONS = 4;
    private static final String TOPIC = "bench.debezium.envelopes";
    /** The tuning the sink stage uses for ours, given to Debezium's alike. */
    private static final Map<String, String> TUNED = Map.of("batch.size", "5000",
            "consumer.override.max.poll.records", "5000");

    List<Result> run(int runs, Path repoRoot) {
        if (!Files.isDirectory(BenchEnvironment.debeziumJdbcPlugins(repoRoot))) {
            throw new IllegalStateException("Debezium's JDBC sink is not in "
                    + BenchEnvironment.debeziumJdbcPlugins(repoRoot) + "; benchmarks/run.sh copies it there");
        }
        if (env.endOffsets(TOPIC) < rows) {
            env.produceOrderEnvelopes(TOPIC, PARTITIONS, rows, customers, OrderRows.NOTE);
        }
        List<Double> oursDefault = new ArrayList<>();
        List<Double> oursTuned = new ArrayList<>();
        List<Double> debezium = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            oursDefault.add(measure("dbz_ours_default_" + run, ours(Map.of())));
            oursTuned.add(measure("dbz_ours_tuned_" + run, ours(TUNED)));
            debezium.add(measure("dbz_debezium_tuned_" + run, debezium()));
        }
        String workload = String.format("%,d Debezium change envelopes (JSON with schemas) in a topic, %d partitions, "
                + "tasks.max=2, upsert by record key, half of the keys already in the table", rows, PARTITIONS);
        String reference = "; reference: Debezium JDBC sink with batch.size=5000, max.poll.records=5000";
        return List.of(
                new Result("sink upsert, defaults vs Debezium", workload + reference, oursDefault, debezium,
                        "rows/s", ">= 3", ""),
                new Result("sink upsert, tuned vs Debezium", workload + "; ours with batch.size=5000, "
                        + "max.poll.records=5000" + reference, oursTuned, debezium, "rows/s", "—", ""));
    }

    private Map<String, String> ours(Map<String, String> tuning) {
        Map<String, String> config = new HashMap<>(env.connection());
        config.put("connector.class", "io.tablestream.sink.PostgresSinkConnector");
        config.put("insert.mode", "upsert");
        config.put("pk.mode", "record_key");
        config.putAll(tuning);
        return config;
    }

    private Map<String, String> debezium() {
        Map<String, String> config = new HashMap<>(TUNED);
        config.put("connector.class", DEBEZIUM_CONNECTOR);
        config.put("connection.url", env.url);
        config.put("connection.username", env.postgres.user());
        config.put("connection.password", env.postgres.passwordOrEmpty());
        config.put("insert.mode", "upsert");
        config.put("primary.key.mode", "record_key");
        config.put("schema.evolution", "none");
        return config;
    }

    /**
     * Runs one connector on the topic into a new table and returns rows/s from its POST until the exact count of
     * rows it wrote reaches the topic's size. The same wait for every connector: Debezium's keeps no offsets table.
     */
    private double measure(String table, Map<String, String> connector) {
        SinkBenchmark.prepare(env, table, rows, true);
        Map<String, String> config = new HashMap<>(connector);
        config.put("tasks.max", "2");
        config.put("topics", TOPIC);
        config.put(DEBEZIUM_CONNECTOR.equals(config.get("connector.class")) ? "collection.name.format"
                : "table.name.format", table);
        String name = "bench-" + table;
        long start = System.nanoTime();
        try {
            env.rest().createOrUpdateConnector(name, config);
            int[] polls = {0};
            long end = BenchEnvironment.awaitProgress(() -> {
                if (++polls[0] % 40 == 0) {
                    failOnFailedTask(env, name);
                }
                return env.count("SELECT count(*) FROM " + table + " WHERE note <> 'old'");
            }, rows, BenchEnvironment.timeoutFor(rows), table);
            return rows / ((end - start) / 1e9);
        } finally {
            env.rest().deleteConnector(name);
            env.db.useHandle(h -> h.execute("DROP TABLE " + table));
        }
    }

    /** A failed task (a config or type the connector refuses) ends the stage with its trace, not a long timeout. */
    static void failOnFailedTask(BenchEnvironment env, String connector) {
        for (Object task : (List<?>) env.rest().status(connector).getOrDefault("tasks", List.of())) {
            Map<?, ?> t = (Map<?, ?>) task;
            if ("FAILED".equals(t.get("state"))) {
                throw new IllegalStateException("Task " + t.get("id") + " of " + connector + " FAILED: "
                        + t.get("trace"));
            }
        }
    }
}
