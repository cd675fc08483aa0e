package io.tablestream.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's first command, as a child process: {@code java -jar local-stack-<version>.jar --demo} with its own
 * data directory and REST port. Enriched orders must reach the sink table with the right values; after SIGTERM
 * (what Ctrl-C does) the process and every process it started are gone and no port is left open.
 */
class LocalStackIT {

    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final Duration PIPELINE = Duration.ofSeconds(90);
    private static final Duration SHUTDOWN = Duration.ofMinutes(2);
    private static final Pattern POSTGRES = Pattern.compile("^ {2}PostgreSQL +(jdbc:postgresql://(\\S+?):(\\d+)/\\S+) +\\(user (\\S+),");
    private static final Pattern KAFKA = Pattern.compile("^ {2}Kafka broker +(\\S+?):(\\d+) ");
    private static final Pattern REST = Pattern.compile("^ {2}Connect REST +(http://\\S+?):(\\d+) ");

    private Path outputFile;

    @Test
    void demoFillsTheSinkTableAndCtrlCLeavesNothingRunning(@TempDir Path dataDir) throws Exception {
        outputFile = dataDir.resolve("stdout.txt");
        int restPort = freePort();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx768m", "-jar", System.getProperty("tablestream.local.jar"),
                "--demo", "--rate", "20", "--data-dir", dataDir.toString(), "--rest-port", Integer.toString(restPort),
                "--config-dir", Path.of(System.getProperty("tablestream.repo.root"), "config").toString())
                .redirectErrorStream(true)
                .redirectOutput(outputFile.toFile());
        builder.environment().remove("TABLESTREAM_PG_URL"); // the embedded PostgreSQL, whose user we know
        Process stack = builder.start();
        List<ProcessHandle> children = List.of();
        try {
            awaitLine(l -> l.startsWith("Demo running"), STARTUP, stack);
            Matcher pg = find(POSTGRES);
            Matcher kafka = find(KAFKA);
            Matcher rest = find(REST);
            assertEquals("http://localhost:" + restPort, rest.group(1) + ":" + rest.group(2));

            List<ProcessHandle> started = stack.descendants().toList();
            children = started;
            // ProcessHandle.Info drops command lines as long as the worker's classpath: read /proc (Linux) instead.
            String workerCommand = started.stream().map(LocalStackIT::commandLine)
                    .filter(cmd -> cmd.contains("ForkedConnectWorkerMain")).findFirst()
                    .orElseThrow(() -> new AssertionError("no forked Connect worker among " + started));
            assertFalse(workerCommand.contains("source-connector") || workerCommand.contains("sink-connector"),
                    "the connectors must come from plugin.path only: " + workerCommand);
            String plugins = new String(URI.create(rest.group(1) + ":" + rest.group(2) + "/connector-plugins").toURL()
                    .openStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(plugins.contains("io.tablestream.source.PostgresSourceConnector"), plugins);
            assertTrue(plugins.contains("io.tablestream.sink.PostgresSinkConnector"), plugins);

            assertEnrichedOrdersMatchTheirSources(pg.group(1), pg.group(4));
            awaitLine(l -> l.matches("captured [1-9]\\d* \\| enriched [1-9]\\d* \\| written [1-9]\\d* \\| lag \\d+\\.\\d s .*"),
                    Duration.ofSeconds(30), stack);

            stack.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook stops every part
            assertTrue(stack.waitFor(SHUTDOWN.toSeconds(), TimeUnit.SECONDS), "still running after SIGTERM:\n" + tail());
            assertTrue(output().contains("Stopped: enricher, Connect worker, Kafka broker and PostgreSQL are down."), tail());
            for (ProcessHandle child : children) {
                awaitGone(child);
            }
            for (int port : List.of(Integer.parseInt(pg.group(3)), Integer.parseInt(kafka.group(2)), restPort)) {
                assertFalse(listening(port), "port " + port + " still open after the stack stopped");
            }
        } finally {
            if (stack.isAlive()) {
                stack.destroyForcibly();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Polls until at least 20 enriched orders are in the sink table, then compares every row with its order and
     * customer (amounts and customers never change in the demo, so they must match exactly).
     */
    private void assertEnrichedOrdersMatchTheirSources(String url, String user) throws Exception {
        long deadline = System.nanoTime() + PIPELINE.toNanos();
        String query = """
                SELECT e.id, e.amount::text, o.amount::text, e.customer_id, o.customer_id,
                       e.customer_name, c.name, e.customer_city, c.city
                FROM enriched_orders e JOIN orders o ON o.id = e.id JOIN customers c ON c.id = o.customer_id
                ORDER BY e.id""";
        List<List<Object>> rows = List.of();
        try (Connection c = DriverManager.getConnection(url, user, null); Statement s = c.createStatement()) {
            while (rows.size() < 20) {
                if (System.nanoTime() > deadline) {
                    fail("fewer than 20 enriched orders after " + PIPELINE + ": " + rows + "\n" + tail());
                }
                Thread.sleep(500);
                try (ResultSet exists = s.executeQuery("SELECT to_regclass('enriched_orders') IS NOT NULL")) {
                    exists.next();
                    if (!exists.getBoolean(1)) {
                        continue;
                    }
                }
                List<List<Object>> read = new ArrayList<>();
                try (ResultSet rs = s.executeQuery(query)) {
                    while (rs.next()) {
                        List<Object> row = new ArrayList<>();
                        for (int i = 1; i <= 9; i++) {
                            row.add(rs.getObject(i));
                        }
                        read.add(row);
                    }
                }
                rows = read;
            }
            try (ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM enriched_orders e WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = e.id)")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "sink rows without a source order");
            }
        }
        for (List<Object> row : rows) {
            assertEquals(row.get(2), row.get(1), "amount of order " + row.get(0));
            assertEquals(row.get(4), row.get(3), "customer of order " + row.get(0));
            assertEquals(row.get(6), row.get(5), "customer name of order " + row.get(0));
            assertEquals(row.get(8), row.get(7), "customer city of order " + row.get(0));
        }
    }

    /** What the stack has printed so far (it writes to a file: a pipe's reader can lose the end when the process exits). */
    private List<String> output() {
        try {
            return Files.readAllLines(outputFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of("(cannot read " + outputFile + ": " + e + ")");
        }
    }

    private void awaitLine(Predicate<String> wanted, Duration timeout, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (output().stream().noneMatch(wanted)) {
            if (!process.isAlive()) {
                fail("the local stack exited with " + process.exitValue() + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                fail("the local stack did not get ready within " + timeout + ":\n" + tail());
            }
            Thread.sleep(200);
        }
    }

    private Matcher find(Pattern pattern) {
        Optional<Matcher> match = output().stream().map(pattern::matcher).filter(Matcher::find).findFirst();
        return match.orElseThrow(() -> new AssertionError("no line matching " + pattern + " in:\n" + tail()));
    }

    private static void awaitGone(ProcessHandle process) throws InterruptedException {
        long deadline = System.nanoTime() + SHUTDOWN.toNanos();
        while (process.isAlive()) {
            if (System.nanoTime() > deadline) {
                fail("process " + process.pid() + " (" + process.info().commandLine().orElse("?") + ") outlived the stack");
            }
            Thread.sleep(200);
        }
    }

    private static String commandLine(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return process.info().commandLine().orElse("");
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private String tail() {
        List<String> lines = new ArrayList<>(output());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
