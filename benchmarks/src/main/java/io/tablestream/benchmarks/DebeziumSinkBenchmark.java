package io.tablestream.benchmarks;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Our sink beside Debezium's JDBC sink connector in the same worker, on the same topic of Debezium change envelopes
 * (4 partitions, upsert by record key into a table that already holds half of the keys): ours at its default
 * settings and tuned, Debezium's tuned alike. Each figure is the time from the connector's POST to the last row, and
 * the rows per CPU second the worker and PostgreSQL spent meanwhile, the steadier figure on a shared machine. Beside
 * them, the sink stage's consume+COPY loop on the same topic (no Connect): the most any sink could do here with this
 * converter, so its ratio to Debezium's is the highest ratio reachable; and the converter's own cost per envelope.
 */
record DebeziumSinkBenchmark(BenchEnvironment env, long rows, int customers) {

    static final String DEBEZIUM_CONNECTOR = "io.debezium.connector.jdbc.JdbcSinkConnector";
    private static final int PARTITIONS = 4;
    private static final String TOPIC = "bench.debezium.envelopes";
    /** The consume+COPY loop without Connect, measured beside the connectors. */
    private static final String REFERENCE = "consume_copy";
    /**
     * The same loop on the same orders as plain rows (the sink stage's records): JSON a third the size of an
     * envelope's, so its converter costs about a third. Shows what the envelope costs any sink here, and keeps the
     * sink stage's ceiling from being taken for this stage's.
     */
    private static final String REFERENCE_PLAIN = "consume_copy_plain";
    private static final String PLAIN_TOPIC = "bench.debezium.plain";
    /**
     * The connectors' tasks.max: 2 (a task per core here), or TABLESTREAM_BENCH_SINK_TASKS, e.g. 1 to see one task's
     * own rate, which two tasks on two cores hide (the reference loop keeps its 2 threads).
     */
    private static final String TASKS = System.getenv().getOrDefault("TABLESTREAM_BENCH_SINK_TASKS", "2");
    /** Each count scans the table: often enough for the time, rarely enough not to load the machine. */
    private static final long PROGRESS_POLL_MS = 250;
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
        if (env.endOffsets(PLAIN_TOPIC) < rows) {
            env.produceOrders(PLAIN_TOPIC, PARTITIONS, rows, customers, OrderRows.NOTE);
        }
        // Each contender once untimed, so no measured run pays a JVM's warm-up: a worker runs for long.
        Map<String, Map<String, String>> connectors = new LinkedHashMap<>();
        connectors.put("ours_default", ours(Map.of()));
        connectors.put("ours_tuned", ours(TUNED));
        connectors.put("debezium_tuned", debezium());
        connectors.put(REFERENCE, null);
        connectors.put(REFERENCE_PLAIN, null);
        connectors.forEach((label, connector) -> measure("dbz_warmup_" + label, label, connector));
        Map<String, List<Double>> rowsPerSecond = new LinkedHashMap<>();
        Map<String, List<Double>> rowsPerCpuSecond = new LinkedHashMap<>();
        Map<String, List<Double>> postgresMicrosPerRow = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(connectors.keySet());
        for (int run = 0; run < runs; run++) {
            for (String label : order) { // rotated each run: none always comes first after another's load
                Measured m = measure("dbz_" + label + "_" + run, label, connectors.get(label));
                rowsPerSecond.computeIfAbsent(label, l -> new ArrayList<>()).add(m.rowsPerSecond());
                rowsPerCpuSecond.computeIfAbsent(label, l -> new ArrayList<>()).add(m.rowsPerCpuSecond());
                postgresMicrosPerRow.computeIfAbsent(label, l -> new ArrayList<>()).add(m.postgresMicrosPerRow());
            }
            Collections.rotate(order, 1);
        }
        printTaskTimelines();
        String workload = String.format("%,d Debezium change envelopes (JSON with schemas) in a topic, %d partitions, "
                + "tasks.max=%s, upsert by record key, half of the keys already in the table, warm worker", rows,
                PARTITIONS, TASKS);
        String reference = "; reference: Debezium JDBC sink with batch.size=5000, max.poll.records=5000";
        String tuned = "; ours with batch.size=5000, max.poll.records=5000";
        String cpu = " (CPU of the Connect worker and PostgreSQL together)";
        String loop = "; reference: consumer + JsonConverter + after + COPY into staging + INSERT ... ON CONFLICT, "
                + "2 threads, 5,000 rows a transaction, no Connect";
        String loopCpu = " (CPU of the worker, or of the loop's JVM with the Kafka broker in it, and PostgreSQL)";
        List<Double> ceilingMicros = converterMicrosPerRecord();
        return List.of(
                new Result("sink upsert, defaults vs Debezium", workload + reference,
                        rowsPerSecond.get("ours_default"), rowsPerSecond.get("debezium_tuned"), "rows/s", ">= 3", ""),
                new Result("sink upsert, tuned vs Debezium", workload + tuned + reference,
                        rowsPerSecond.get("ours_tuned"), rowsPerSecond.get("debezium_tuned"), "rows/s", ">= 4", ""),
                new Result("sink upsert per CPU second, defaults vs Debezium", workload + cpu + reference,
                        rowsPerCpuSecond.get("ours_default"), rowsPerCpuSecond.get("debezium_tuned"),
                        "rows/CPU-s", "—", ""),
                new Result("sink upsert per CPU second, tuned vs Debezium", workload + tuned + cpu + reference,
                        rowsPerCpuSecond.get("ours_tuned"), rowsPerCpuSecond.get("debezium_tuned"),
                        "rows/CPU-s", "—", ""),
                new Result("envelope sink, defaults vs consume+COPY", workload + loop,
                        rowsPerSecond.get("ours_default"), rowsPerSecond.get(REFERENCE), "rows/s", ">= 0.8", ""),
                new Result("envelope sink, tuned vs consume+COPY", workload + tuned + loop,
                        rowsPerSecond.get("ours_tuned"), rowsPerSecond.get(REFERENCE), "rows/s", ">= 0.8", ""),
                new Result("Debezium JDBC sink vs consume+COPY", workload + reference.replace("; reference:",
                        "; measured:") + loop,
                        rowsPerSecond.get("debezium_tuned"), rowsPerSecond.get(REFERENCE), "rows/s", "—", ""),
                new Result("ceiling: consume+COPY vs Debezium", "the best ratio to Debezium's JDBC sink any sink "
                        + "could reach here with this converter; " + workload + loop + reference,
                        rowsPerSecond.get(REFERENCE), rowsPerSecond.get("debezium_tuned"), "rows/s", "—", ""),
                new Result("ceiling per CPU second: consume+COPY vs Debezium", workload + loopCpu + loop + reference,
                        rowsPerCpuSecond.get(REFERENCE), rowsPerCpuSecond.get("debezium_tuned"), "rows/CPU-s", "—",
                        ""),
                new Result("consume+COPY: envelopes vs plain rows", workload + loop + "; reference: the same loop "
                        + "on the same orders as plain rows (no envelope, JSON a third the size)",
                        rowsPerSecond.get(REFERENCE), rowsPerSecond.get(REFERENCE_PLAIN), "rows/s", "—", ""),
                new Result("consume+COPY per CPU second: envelopes vs plain rows", workload + loopCpu + loop
                        + "; reference: the same loop on the same orders as plain rows",
                        rowsPerCpuSecond.get(REFERENCE), rowsPerCpuSecond.get(REFERENCE_PLAIN), "rows/CPU-s", "—",
                        ""),
                new Result("PostgreSQL CPU per row, defaults vs consume+COPY", workload + loop,
                        postgresMicrosPerRow.get("ours_default"), postgresMicrosPerRow.get(REFERENCE), "µs/row", "—",
                        ""),
                new Result("PostgreSQL CPU per row, Debezium vs consume+COPY", workload + loop,
                        postgresMicrosPerRow.get("debezium_tuned"), postgresMicrosPerRow.get(REFERENCE), "µs/row", "—",
                        ""),
                new Result("JsonConverter.toConnectData of one envelope", "CPU time of one thread converting "
                        + "20,000 of these envelopes (warm, median of 5 rounds after 10)", ceilingMicros, List.of(),
                        "µs/record", "—", ""));
    }

    /**
     * CPU microseconds of one {@code JsonConverter.toConnectData} (and taking its after) for these envelopes, on one
     * warm thread: the part of the per-record cost every sink of JSON-with-schemas records pays before writing.
     */
    private List<Double> converterMicrosPerRecord() {
        int records = 20_000;
        JsonConverter converter = BenchEnvironment.converter(false);
        List<byte[]> values = new ArrayList<>(records);
        for (long id = 0; id < records; id++) {
            values.add(converter.fromConnectData(TOPIC, OrderRows.ENVELOPE_SCHEMA,
                    OrderRows.envelope(id, customers, OrderRows.NOTE)));
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Double> rounds = new ArrayList<>();
        long checksum = 0;
        for (int round = 0; round < 15; round++) {
            long start = threads.getCurrentThreadCpuTime();
            for (byte[] value : values) {
                checksum += ((Struct) converter.toConnectData(TOPIC, value).value()).getStruct("after").getInt64("id");
            }
            if (round >= 10) {
                rounds.add((threads.getCurrentThreadCpuTime() - start) / 1e3 / records);
            }
        }
        if (checksum == 42) { // keeps the conversions from being optimised away
            rounds.add(0.0);
        }
        return List.of(Result.median(rounds));
    }

    /**
     * Rows per second from POST to the last row, rows per CPU second the worker (or the loop's JVM) and PostgreSQL
     * spent, and PostgreSQL's CPU microseconds per row.
     */
    private record Measured(double rowsPerSecond, double rowsPerCpuSecond, double postgresMicrosPerRow) {

        static Measured of(long rows, long nanos, long processTicks, long postgresTicks) {
            return new Measured(rows / (nanos / 1e9), rows / ((processTicks + postgresTicks)
                    * ProcessCpu.SECONDS_PER_TICK), postgresTicks * ProcessCpu.SECONDS_PER_TICK * 1e6 / rows);
        }
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
     * The count runs every {@link #PROGRESS_POLL_MS} on one connection of its own, whose backend's CPU is left out
     * of PostgreSQL's: a scan of the table each time, it is the benchmark's cost, not the connector's.
     */
    private Measured measure(String table, String label, Map<String, String> connector) {
        SinkBenchmark.prepare(env, table, rows, true);
        if (connector == null) {
            return REFERENCE_PLAIN.equals(label) ? measureReference(table, PLAIN_TOPIC, UnaryOperator.identity())
                    : measureReference(table, TOPIC, envelope -> envelope.getStruct("after"));
        }
        Map<String, String> config = new HashMap<>(connector);
        config.put("tasks.max", TASKS);
        config.put("topics", TOPIC);
        config.put(DEBEZIUM_CONNECTOR.equals(config.get("connector.class")) ? "collection.name.format"
                : "table.name.format", table);
        String name = "bench-" + table;
        long workerPid = env.worker.pid().orElseThrow();
        long postmasterPid = postmasterPid(env);
        try (Connection progress = env.postgres.connect(BenchEnvironment.DATABASE);
             Statement count = progress.createStatement()) {
            long progressPid = backendPid(count);
            long workerBefore = ProcessCpu.ticks(workerPid);
            long postgresBefore = ProcessCpu.withReapedChildren(postmasterPid);
            long progressBefore = ProcessCpu.ticks(progressPid);
            long start = System.nanoTime();
            env.rest().createOrUpdateConnector(name, config);
            int[] polls = {0};
            long end = BenchEnvironment.awaitProgress(() -> {
                if (++polls[0] % 8 == 0) {
                    failOnFailedTask(env, name);
                }
                return longResult(count, "SELECT count(*) FROM " + table + " WHERE note <> 'old'");
            }, rows, BenchEnvironment.timeoutFor(rows), table, PROGRESS_POLL_MS);
            long postgresTicks = ProcessCpu.withReapedChildren(postmasterPid) - postgresBefore
                    - (ProcessCpu.ticks(progressPid) - progressBefore);
            return Measured.of(rows, end - start, ProcessCpu.ticks(workerPid) - workerBefore, postgresTicks);
        } catch (SQLException e) {
            throw new IllegalStateException("Counting the rows of " + table + " failed", e);
        } finally {
            env.rest().deleteConnector(name);
            env.db.useHandle(h -> h.execute("DROP TABLE " + table));
        }
    }

    /**
     * The consume+COPY loop of the sink stage on {@code topic}, in this JVM, {@code row} taking the row from a
     * value: on the envelopes, the ceiling for this work here.
     */
    private Measured measureReference(String table, String topic, UnaryOperator<Struct> row) {
        long self = ProcessHandle.current().pid();
        long postmasterPid = postmasterPid(env);
        long backendsBefore = backends(postmasterPid);
        long selfBefore = ProcessCpu.ticks(self);
        long postgresBefore = ProcessCpu.withReapedChildren(postmasterPid);
        try {
            long start = System.nanoTime();
            new SinkBenchmark(env, rows, customers).referenceLoop(topic, PARTITIONS, table, true, row);
            long nanos = System.nanoTime() - start;
            // The loop closed its connections: their backends' CPU counts once the postmaster has reaped them.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (backends(postmasterPid) > backendsBefore && System.nanoTime() < deadline) {
                BenchEnvironment.sleep(20);
            }
            long selfTicks = ProcessCpu.ticks(self) - selfBefore;
            long postgresTicks = ProcessCpu.withReapedChildren(postmasterPid) - postgresBefore;
            long written = env.count("SELECT count(*) FROM " + table + " WHERE note <> 'old'");
            if (written != rows) {
                throw new IllegalStateException("The reference loop wrote " + written + " of " + rows + " rows");
            }
            return Measured.of(rows, nanos, selfTicks, postgresTicks);
        } finally {
            env.db.useHandle(h -> h.execute("DROP TABLE " + table));
        }
    }

    /**
     * Each of ours' measured tasks' timeline, as it logged it when it stopped (time between puts, in put, waiting
     * for its writer thread, the writer's time writing): where the wall-clock went, without a profiler.
     */
    private void printTaskTimelines() {
        try (Stream<String> lines = Files.lines(env.worker.logFile())) {
            lines.filter(line -> line.contains("Task timeline") && line.contains("[task-thread-bench-dbz_ours_"))
                    .map(line -> "SINK-DEBEZIUM " + line.substring(line.indexOf("[task-thread-") + 13,
                            line.indexOf(']', line.indexOf("[task-thread-"))) + " "
                            + line.substring(line.indexOf("Task timeline")))
                    .forEach(System.out::println);
        } catch (IOException | UncheckedIOException e) {
            System.out.println("SINK-DEBEZIUM task timelines unavailable: " + e);
        }
    }

    private static long backendPid(Statement statement) throws SQLException {
        return longResult(statement, "SELECT pg_backend_pid()");
    }

    private static long longResult(Statement statement, String sql) {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed", e);
        }
    }

    private static long backends(long postmasterPid) {
        return ProcessHandle.of(postmasterPid).map(p -> p.children().count()).orElse(0L);
    }

    static long postmasterPid(BenchEnvironment env) {
        return env.db.withHandle(h -> {
            long backend = h.createQuery("SELECT pg_backend_pid()").mapTo(Long.class).one();
            return ProcessHandle.of(backend).flatMap(ProcessHandle::parent).orElseThrow().pid();
        });
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
