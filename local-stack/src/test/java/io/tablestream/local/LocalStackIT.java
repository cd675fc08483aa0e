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
 * data directory and REST port. The printed hints carry the real PostgreSQL port and {@code --psql} finds it; the
 * generator inserts, updates and deletes orders through the CDC source, and once it pauses the sink table equals
 * the join of orders and customers, row for row; after SIGTERM (what Ctrl-C does) the process and every process it
 * started are gone and no port is left open.
 */
class LocalStackIT {

    private static final Duration PIPELINE = Duration.ofSeconds(120);
    private static final int CHANGES = 200;
    /**
     * The columns the enricher carries, each as text, in the source tables and in the sink table, ordered by the
     * numeric id (a bare ORDER BY id would sort by the output column, the text).
     */
    private static final String EXPECTED = """
            SELECT o.id::text, o.customer_id::text, o.amount::text, o.status, c.name, c.city,
                   floor(extract(epoch FROM o.updated_at) * 1000)::text
            FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id""";
    private static final String ACTUAL = """
            SELECT e.id::text, e.customer_id::text, e.amount::text, e.status, e.customer_name, e.customer_city,
                   floor(extract(epoch FROM e.updated_at) * 1000)::text
            FROM enriched_orders e ORDER BY e.id""";

    private LocalStackProcess stack;

    @Test
    void demoMirrorsInsertsUpdatesAndDeletesAndCtrlCLeavesNothingRunning(@TempDir Path dataDir) throws Exception {
        int restPort = LocalStackProcess.freePort();
        try (LocalStackProcess started = LocalStackProcess.start(dataDir, restPort, "--demo", "--rate", "20",
                "--changes", Integer.toString(CHANGES))) {
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

            String psql = "psql -h " + pg.group(2) + " -p " + pg.group(3) + " -U " + pg.group(4) + " shop";
            stack.awaitLine(l -> l.startsWith("  1. Look at the tables:  " + psql + " "), Duration.ofSeconds(5));
            stack.awaitLine(l -> l.contains("DELETE FROM orders WHERE id = (SELECT min(id) FROM orders) RETURNING id;"),
                    Duration.ofSeconds(5));
            stack.awaitLine(l -> l.contains("docs/enricher-topology.md"), Duration.ofSeconds(5));
            assertTrue(Files.isRegularFile(Path.of(System.getProperty("tablestream.repo.root"), "docs", "enricher-topology.md")));
            String psqlOutput = LocalStackProcess.runToEnd(dataDir, "--psql", "-At", "-c", "SELECT 'psql reached ' || current_database()");
            assertTrue(psqlOutput.contains("psql reached shop") || psqlOutput.contains(psql + " -At -c"), psqlOutput);

            stack.awaitLine(l -> l.matches("inserted [1-9]\\d* \\| updated [1-9]\\d* \\| deleted [1-9]\\d* \\| captured [1-9]\\d* "
                    + "\\| enriched [1-9]\\d* \\| written \\d+ \\| lag \\d+\\.\\d s \\| generator paused"), PIPELINE);
            assertSinkTableConvergesToTheJoin(pg.group(1), pg.group(4));

            stack.stopAndAssertNothingLeft();
        }
        assertFalse(Files.exists(dataDir.resolve(PsqlCommand.FILE)), "a stopped stack leaves no " + PsqlCommand.FILE);
    }

    /** Polls until table enriched_orders holds exactly the rows of orders joined with customers. */
    private void assertSinkTableConvergesToTheJoin(String url, String user) throws Exception {
        long deadline = System.nanoTime() + PIPELINE.toNanos();
        try (Connection c = DriverManager.getConnection(url, user, null); Statement s = c.createStatement()) {
            List<List<String>> expected = rows(s, EXPECTED);
            long deletedIds;
            try (ResultSet rs = s.executeQuery("SELECT max(id) - count(*) FROM orders")) {
                rs.next();
                deletedIds = rs.getLong(1);
            }
            assertTrue(deletedIds > 0, "the generator must have deleted orders");
            List<List<String>> actual = rows(s, ACTUAL);
            while (!expected.equals(actual)) {
                if (System.nanoTime() > deadline) {
                    List<List<String>> missing = new ArrayList<>(expected);
                    missing.removeAll(actual);
                    List<List<String>> extra = new ArrayList<>(actual);
                    extra.removeAll(expected);
                    fail("enriched_orders differs from orders joined with customers after " + PIPELINE + ": missing "
                            + head(missing) + ", not expected " + head(extra) + "\n" + stack.tail());
                }
                Thread.sleep(500);
                actual = rows(s, ACTUAL);
            }
            assertEquals(expected, rows(s, EXPECTED), "the generator paused: orders must not change any more");
        }
    }

    private static List<List<String>> rows(Statement s, String query) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (ResultSet exists = s.executeQuery("SELECT to_regclass('enriched_orders') IS NOT NULL")) {
            exists.next();
            if (!exists.getBoolean(1)) {
                return rows;
            }
        }
        try (ResultSet rs = s.executeQuery(query)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static List<List<String>> head(List<List<String>> rows) {
        return rows.subList(0, Math.min(5, rows.size()));
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
