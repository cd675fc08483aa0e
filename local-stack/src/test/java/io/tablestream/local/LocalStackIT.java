package io.tablestream.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

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

    private static final Duration PIPELINE = Duration.ofSeconds(90);

    private LocalStackProcess stack;

    @Test
    void demoFillsTheSinkTableAndCtrlCLeavesNothingRunning(@TempDir Path dataDir) throws Exception {
        int restPort = LocalStackProcess.freePort();
        try (LocalStackProcess started = LocalStackProcess.start(dataDir, restPort, "--demo", "--rate", "20")) {
            stack = started;
            stack.awaitStarted(true);
            Matcher pg = stack.find(LocalStackProcess.POSTGRES);
            Matcher rest = stack.find(LocalStackProcess.REST);
            assertEquals("http://localhost:" + restPort, rest.group(1) + ":" + rest.group(2));

            // ProcessHandle.Info drops command lines as long as the worker's classpath: read /proc (Linux) instead.
            String workerCommand = stack.children().stream().map(LocalStackIT::commandLine)
                    .filter(cmd -> cmd.contains("ForkedConnectWorkerMain")).findFirst()
                    .orElseThrow(() -> new AssertionError("no forked Connect worker among " + stack.children()));
            assertFalse(workerCommand.contains("source-connector") || workerCommand.contains("sink-connector"),
                    "the connectors must come from plugin.path only: " + workerCommand);
            String plugins = new String(URI.create(rest.group(1) + ":" + rest.group(2) + "/connector-plugins").toURL()
                    .openStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(plugins.contains("io.tablestream.source.PostgresSourceConnector"), plugins);
            assertTrue(plugins.contains("io.tablestream.sink.PostgresSinkConnector"), plugins);

            assertEnrichedOrdersMatchTheirSources(pg.group(1), pg.group(4));
            stack.awaitLine(l -> l.matches("captured [1-9]\\d* \\| enriched [1-9]\\d* \\| written [1-9]\\d* \\| lag \\d+\\.\\d s .*"),
                    Duration.ofSeconds(30));

            stack.stopAndAssertNothingLeft();
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
                    fail("fewer than 20 enriched orders after " + PIPELINE + ": " + rows + "\n" + stack.tail());
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

    private static String commandLine(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return process.info().commandLine().orElse("");
        }
    }
}
