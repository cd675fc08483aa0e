package io.tablestream.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every stage on the real stack and prints a markdown table, each tablestream figure beside a reference loop
 * measured in the same run on the same data.
 *
 * <pre>benchmarks/run.sh [--smoke] [--rows N] [--runs R] [--customers C] [--e2e-rate R] [--e2e-seconds S]
 *     [--cdc-seconds S] [--soak-rate R] [--soak-seconds S]
 *     [--stages copy,sink,debezium,source,cdc,cdc-debezium,enricher,e2e,soak]</pre>
 * The soak ({@code --stages soak}, 2,000 rows/s for 600 s by default) is not among the default stages, nor are
 * {@code debezium} (our sink beside Debezium's JDBC sink) and {@code cdc-debezium} (our CDC beside Debezium's
 * PostgreSQL connector), whose jars run.sh copies from Maven Central.
 */
public final class Benchmarks {

    /**
     * What to run; the defaults are the full benchmark of BENCHMARKS.md. The soak (not in the default stages) runs
     * the end-to-end pipeline at {@code soakRate} rows/s for {@code soakSeconds}.
     */
    public record Options(long rows, int runs, int customers, int e2eRate, int e2eSeconds, int cdcSeconds,
                          List<String> stages, int soakRate, int soakSeconds) {

        static final List<String> ALL_STAGES = List.of("copy", "sink", "source", "cdc", "enricher", "e2e");
        static final List<String> KNOWN_STAGES = List.of("copy", "sink", "debezium", "source", "cdc", "cdc-debezium",
                "enricher", "e2e", "soak");
        /** The commit rates of the CDC latency rows. */
        static final List<Integer> CDC_RATES = List.of(20, 1_000);
        static final Options FULL = new Options(1_000_000, 3, 100_000, 1_000, 60, 60, ALL_STAGES, 2_000, 600);
        public static final Options SMOKE = new Options(5_000, 1, 1_000, 200, 5, 3, ALL_STAGES, 200, 3);

        boolean runs(String stage) {
            return stages.contains(stage);
        }

        static Options parse(String[] args) {
            Options o = List.of(args).contains("--smoke") ? SMOKE : FULL;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--smoke" -> { }
                    case "--rows" -> o = new Options(Long.parseLong(value), o.runs, o.customers, o.e2eRate, o.e2eSeconds, o.cdcSeconds, o.stages, o.soakRate, o.soakSeconds);
                    case "--runs" -> o = new Options(o.rows, Integer.parseInt(value), o.customers, o.e2eRate, o.e2eSeconds, o.cdcSeconds, o.stages, o.soakRate, o.soakSeconds);
                    case "--customers" -> o = new Options(o.rows, o.runs, Integer.parseInt(value), o.e2eRate, o.e2eSeconds, o.cdcSeconds, o.stages, o.soakRate, o.soakSeconds);
                    case "--e2e-rate" -> o = new Options(o.rows, o.runs, o.customers, Integer.parseInt(value), o.e2eSeconds, o.cdcSeconds, o.stages, o.soakRate, o.soakSeconds);
                    case "--e2e-seconds" -> o = new Options(o.rows, o.runs, o.customers, o.e2eRate, Integer.parseInt(value), o.cdcSeconds, o.stages, o.soakRate, o.soakSeconds);
                    case "--cdc-seconds" -> o = new Options(o.rows, o.runs, o.customers, o.e2eRate, o.e2eSeconds, Integer.parseInt(value), o.stages, o.soakRate, o.soakSeconds);
                    case "--soak-rate" -> o = new Options(o.rows, o.runs, o.customers, o.e2eRate, o.e2eSeconds, o.cdcSeconds, o.stages, Integer.parseInt(value), o.soakSeconds);
                    case "--soak-seconds" -> o = new Options(o.rows, o.runs, o.customers, o.e2eRate, o.e2eSeconds, o.cdcSeconds, o.stages, o.soakRate, Integer.parseInt(value));
                    case "--stages" -> {
                        List<String> stages = List.of(value.split(","));
                        for (String stage : stages) {
                            if (!KNOWN_STAGES.contains(stage)) {
                                throw new IllegalArgumentException("Unknown stage '" + stage + "' in --stages; use "
                                        + String.join(",", KNOWN_STAGES));
                            }
                        }
                        o = new Options(o.rows, o.runs, o.customers, o.e2eRate, o.e2eSeconds, o.cdcSeconds, stages, o.soakRate, o.soakSeconds);
                    }
                    default -> {
                        if (args[i].startsWith("--")) {
                            throw new IllegalArgumentException("Unknown option " + args[i]
                                    + "; use --smoke, --rows N, --runs R, --customers C, --e2e-rate R, --e2e-seconds S,"
                                    + " --cdc-seconds S, --soak-rate R, --soak-seconds S,"
                                    + " --stages " + String.join(",", KNOWN_STAGES));
                        }
                    }
                }
            }
            return o;
        }
    }

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        String report = run(options, Path.of(System.getProperty("tablestream.repo", ".")));
        System.out.println(report);
        Path out = Path.of("benchmarks", "target", "benchmark-results.md");
        if (Files.isDirectory(out.getParent())) {
            Files.writeString(out, report);
        }
        System.exit(0); // Kafka's and PostgreSQL's shutdown hooks have run; don't wait for stray non-daemon threads
    }

    /** Runs everything and returns the report (machine, options, table). */
    public static String run(Options options, Path repoRoot) throws Exception {
        List<Result> results = new ArrayList<>();
        long heapMb;
        String pgVersion;
        try (BenchEnvironment env = BenchEnvironment.start(repoRoot)) {
            pgVersion = env.db.withHandle(h -> h.createQuery("SHOW server_version").mapTo(String.class).one());

            if (options.runs("copy")) {
                env.db.useHandle(h -> h.execute(OrderRows.createTable("copy_raw")));
                stage(results, () -> new Result("raw COPY FROM STDIN", String.format("%,d rows into a table with a"
                        + " primary key (the database's own limit)", options.rows()), List.of(CopyBenchmark.copyOrders(env,
                        "copy_raw", 0, options.rows(), options.customers(), OrderRows.NOTE)), List.of(), "rows/s", "—", ""));
            }
            SinkBenchmark sink = new SinkBenchmark(env, options.rows(), options.customers());
            if (options.runs("sink")) {
                stage(results, () -> sink.run(false, 1, options.runs()));
                stage(results, () -> sink.run(false, 4, options.runs()));
                stage(results, () -> sink.run(true, 1, options.runs()));
                stage(results, () -> sink.run(true, 4, options.runs()));
            }
            heapMb = env.peakWorkerHeapMb(SinkBenchmark.HEAP);
            if (options.runs("debezium")) {
                stages(results, () -> new DebeziumSinkBenchmark(env, options.rows(), options.customers())
                        .run(options.runs(), repoRoot));
            }
            if (options.runs("source")) {
                stage(results, () -> new SourceBenchmark(env, options.rows(), options.customers()).run(options.runs()));
            }
            if (options.runs("cdc")) {
                CdcBenchmark cdc = new CdcBenchmark(env, options.rows(), options.customers());
                stages(results, () -> cdc.throughput(options.runs()));
                for (int rate : Options.CDC_RATES) {
                    stage(results, () -> cdc.latency(rate, options.cdcSeconds(), options.runs()));
                }
            }
            if (options.runs("cdc-debezium")) {
                stages(results, () -> new DebeziumCdcBenchmark(env, options.rows(), options.customers())
                        .run(options.runs(), options.cdcSeconds(), repoRoot));
            }
            if (options.runs("enricher")) {
                stages(results, () -> new EnricherBenchmark(env, options.rows(), options.customers()).run(options.runs()));
            }
            if (options.runs("e2e")) {
                stage(results, () -> new EndToEndBenchmark(env, options.e2eRate(), options.e2eSeconds()).run());
            }
            if (options.runs("soak")) {
                stages(results, () -> new SoakBenchmark(env, options.soakRate(), options.soakSeconds()).run());
            }
        }
        return String.format(Locale.ROOT, """
                        tablestream benchmark, %s
                        machine: %d cores, %,d MB max heap for this JVM, PostgreSQL %s, Kafka 4.3.1 (KRaft, 1 broker in this JVM),
                        Connect worker in its own JVM (-Xmx512m) loading the plugin jars from plugin.path
                        options: %,d rows, %d run(s) per figure (median shown, runs in brackets), %,d customers, stages %s

                        %s
                        Peak heap used by the Connect worker during the sink runs: %s (target: flat, under 512 MB)
                        """, Instant.now(), Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() / (1024 * 1024), pgVersion,
                options.rows(), options.runs(), options.customers(), String.join(",", options.stages()),
                ResultTable.markdown(results),
                heapMb < 0 ? "not sampled" : heapMb + " MB");
    }

    interface Stage {
        Result run() throws Exception;
    }

    interface MultiRowStage {
        List<Result> run() throws Exception;
    }

    /** Runs one stage; a failure becomes its row (the other stages still run) and each row is printed as it lands. */
    private static void stage(List<Result> results, Stage stage) {
        stages(results, () -> List.of(stage.run()));
    }

    private static void stages(List<Result> results, MultiRowStage stage) {
        List<Result> rows;
        try {
            rows = stage.run();
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            rows = List.of(new Result("(failed stage)", "—", List.of(), List.of(), "", "—", "failed: " + e));
        }
        for (Result result : rows) {
            results.add(result);
            System.out.println("BENCHMARK ROW " + ResultTable.markdown(List.of(result)).lines().skip(2).findFirst().orElse(""));
        }
    }
}
