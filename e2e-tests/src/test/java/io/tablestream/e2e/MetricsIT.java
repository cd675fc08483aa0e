package io.tablestream.e2e;

import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source and a sink through the real worker (in this JVM), then their plugin metrics read from the platform MBean
 * server, as a JMX exporter would, and compared with the rows actually read and written. Also checks the connectors'
 * log lines: they carry Connect's connector/task context, name the table, and contain no row values.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SOURCE = "metrics-source";
    private static final String SINK = "metrics-sink";
    private static final String TOPIC = "metrics.metrics_src";
    private static final int ROWS = 40;
    /** The sink table rejects a negative amount: this row goes to the dead-letter queue. */
    private static final int BAD_ROW = 13;
    /** Every row's label starts so; no log line may contain it. */
    private static final String ROW_VALUE_MARKER = "row-value-";

    private final Stack stack;
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
    private LogCapture logs;
    private Jdbi db;

    MetricsIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeAll
    void deploy() {
        logs = LogCapture.capture();
        String url = stack.postgres().createDatabase("metrics_it");
        db = Jdbi.create(() -> stack.postgres().connect("metrics_it"));
        db.useHandle(h -> {
            h.execute("""
                    CREATE TABLE metrics_src (id serial PRIMARY KEY, label text NOT NULL, amount int NOT NULL,
                                              updated_at timestamptz NOT NULL DEFAULT now());
                    CREATE TABLE metrics_dst (id int PRIMARY KEY, label text NOT NULL,
                                              amount int NOT NULL CHECK (amount >= 0), updated_at timestamptz NOT NULL)""");
            h.execute("INSERT INTO metrics_src (label, amount) SELECT '" + ROW_VALUE_MARKER
                    + "' || i, CASE WHEN i = " + BAD_ROW + " THEN -i ELSE i END FROM generate_series(1, " + ROWS + ") i");
        });
        stack.kafka().createTopic(TOPIC, 1);
        stack.rest().createOrUpdateConnector(SOURCE, ConnectorConfigs.source(stack, url, "metrics.",
                "table.include.list", "metrics_src", "mode", "timestamp+incrementing",
                "incrementing.column.name", "id", "timestamp.column.name", "updated_at"));
        stack.rest().createOrUpdateConnector(SINK, ConnectorConfigs.sink(stack, url, TOPIC,
                "table.name.format", "metrics_dst", "insert.mode", "upsert", "pk.mode", "record_key",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "metrics.dlq",
                "errors.deadletterqueue.topic.replication.factor", "1"));
        stack.rest().awaitRunning(SOURCE, TIMEOUT);
        stack.rest().awaitRunning(SINK, TIMEOUT);
    }

    @AfterAll
    void undeploy() {
        stack.rest().deleteConnectorIfExists(SOURCE);
        stack.rest().deleteConnectorIfExists(SINK);
        logs.close();
    }

    @Test
    void countersEqualTheRowsReadAndWrittenAndLogsCarryContextButNoValues() throws Exception {
        await("rows in metrics_dst", (long) ROWS - 1,
                () -> db.withHandle(h -> h.createQuery("SELECT count(*) FROM metrics_dst").mapTo(Long.class).one()));
        assertEquals(List.of(), db.withHandle(h -> h.createQuery(
                "SELECT id FROM metrics_src EXCEPT SELECT id FROM metrics_dst").mapTo(Integer.class).list()
                .stream().filter(id -> id != BAD_ROW).toList()), "rows missing in metrics_dst");

        ObjectName source = new ObjectName("kafka.connect:type=plugins,connector=" + SOURCE + ",task=0");
        await("source rows-read-total", (double) ROWS, () -> attribute(source, "rows-read-total"));
        await("source records-produced-total", (double) ROWS, () -> attribute(source, "records-produced-total"));
        assertTrue(attribute(source, "last-poll-time") > 0, "last-poll-time");
        assertTrue(attribute(source, "poll-duration-max") >= attribute(source, "poll-duration-avg"), "poll-duration");
        double age = attribute(new ObjectName(source + ",table=public.metrics_src"), "newest-row-age-ms");
        assertTrue(Double.isFinite(age) && age >= 0, "newest-row-age-ms is " + age);

        ObjectName sink = new ObjectName("kafka.connect:type=plugins,connector=" + SINK + ",task=0");
        await("sink rows-upserted-total", (double) ROWS - 1, () -> attribute(sink, "rows-upserted-total"));
        assertEquals(1.0, attribute(sink, "dead-letter-records-total"), "dead-letter-records-total");
        assertEquals((double) ROWS, attribute(sink, "records-total"), "records-total");
        assertEquals(0.0, attribute(sink, "rows-inserted-total"), "rows-inserted-total");
        assertEquals(0.0, attribute(sink, "rows-deleted-total"), "rows-deleted-total");
        assertEquals(0.0, attribute(sink, "retries-total"), "retries-total");
        assertTrue(attribute(sink, "copy-writes-total") + attribute(sink, "batch-writes-total") >= 1, "write counts");
        assertTrue(attribute(sink, "batch-size-max") >= 1, "batch-size-max");
        // The last offset of the partition in the database (the dead-lettered record moves it on too) is the gauge.
        await("the sink's stored offset", (long) ROWS - 1, () -> db.withHandle(h -> h.createQuery(
                "SELECT kafka_offset FROM tablestream_sink_offsets WHERE connector_name = ? AND topic = ?"
                        + " AND kafka_partition = 0").bind(0, SINK).bind(1, TOPIC).mapTo(Long.class).one()));
        ObjectName sinkPartition = new ObjectName(sink + ",topic=" + TOPIC + ",partition=0");
        await("sink last-committed-offset", (double) ROWS - 1,
                () -> attribute(sinkPartition, "last-committed-offset"));

        List<LogEvent> ours = logs.events().stream()
                .filter(e -> e.getLoggerName().startsWith("io.tablestream.source")
                        || e.getLoggerName().startsWith("io.tablestream.sink"))
                .filter(e -> e.getLevel().isMoreSpecificThan(Level.INFO))
                .filter(e -> message(e).contains("metrics_src") || message(e).contains("metrics_dst"))
                .toList();
        assertTrue(ours.stream().anyMatch(e -> message(e).contains("metrics_src")), "a source line names the table");
        assertTrue(ours.stream().anyMatch(e -> message(e).contains("metrics_dst")), "a sink line names the table");
        for (LogEvent event : ours) {
            String context = event.getContextData().getValue("connector.context");
            assertTrue(context != null && (context.startsWith("[" + SOURCE + "|") || context.startsWith("[" + SINK + "|")),
                    () -> "no connector context on: " + message(event));
        }
        String password = stack.postgres().passwordOrEmpty();
        for (LogEvent event : logs.events()) {
            assertFalse(message(event).contains(ROW_VALUE_MARKER), () -> "row value logged: " + message(event));
            assertFalse(!password.isEmpty() && message(event).contains(password), "password logged");
        }
    }

    /**
     * mode=cdc: snapshot progress against pg_class's estimate, for the task and for the table (chunks read two at a
     * time), in JMX and in the task's log; then slot lag and the last acknowledged commit.
     */
    @Test
    void cdcMetricsShowSnapshotProgressAndSlotLag() throws Exception {
        String connector = "metrics-cdc";
        String url = stack.postgres().createDatabase("metrics_cdc_it");
        Jdbi cdcDb = Jdbi.create(() -> stack.postgres().connect("metrics_cdc_it"));
        cdcDb.useHandle(h -> h.execute("""
                CREATE TABLE cdc_rows (id int PRIMARY KEY, label text NOT NULL);
                INSERT INTO cdc_rows SELECT i, 'label ' || i FROM generate_series(1, 300) i;
                ANALYZE cdc_rows"""));
        try {
            stack.rest().createOrUpdateConnector(connector, ConnectorConfigs.source(stack, url, "metrics-cdc.",
                    "mode", "cdc", "table.include.list", "cdc_rows", "slot.name", "metrics_cdc",
                    "publication.name", "metrics_cdc", "heartbeat.interval.ms", "300",
                    "incremental.snapshot.chunk.size", "64", "snapshot.max.threads", "2"));
            stack.rest().awaitRunning(connector, TIMEOUT);
            ObjectName task = new ObjectName("kafka.connect:type=plugins,connector=" + connector + ",task=0");
            await("snapshot-rows-read", 300.0, () -> attribute(task, "snapshot-rows-read"));
            assertEquals(300.0, attribute(task, "snapshot-rows-estimated"), "reltuples after ANALYZE");
            ObjectName table = new ObjectName(task + ",table=public.cdc_rows");
            await("the table's snapshot-state", "completed", () -> jmxValue(table, "snapshot-state"));
            assertEquals(300.0, attribute(table, "snapshot-rows-read"), "the table's snapshot-rows-read");
            assertEquals(300.0, attribute(table, "snapshot-rows-estimated"), "the table's snapshot-rows-estimated");
            // 64-row chunks two at a time: 1-64 and 65-128, 129-192 and 193-256, then 257-300, short: the end.
            assertEquals(5.0, attribute(table, "snapshot-chunks-done"), "the table's snapshot-chunks-done");
            List<String> progressLines = logs.events().stream().map(MetricsIT::message)
                    .filter(m -> m.startsWith("Incremental snapshot of public.cdc_rows")).toList();
            assertTrue(progressLines.stream().anyMatch(m -> m.contains("starts (about 300 rows")), progressLines::toString);
            assertTrue(progressLines.stream().anyMatch(m -> m.contains("done: 300 of about 300 rows")
                    && m.contains("5 chunks")), progressLines::toString);

            long before = epochMillis(cdcDb);
            cdcDb.useHandle(h -> h.execute("INSERT INTO cdc_rows SELECT i, 'label ' || i FROM generate_series(301, 303) i"));
            long after = epochMillis(cdcDb);
            await("records-produced-total", 303.0, () -> attribute(task, "records-produced-total"));
            double commit = attribute(task, "last-acknowledged-commit-time");
            assertTrue(commit >= before && commit <= after, "commit time " + commit + " not in [" + before + ", " + after + "]");
            assertTrue(attribute(task, "acknowledged-lsn") > 0, "acknowledged-lsn");
            // Idle, with the heartbeat confirming the server's position: no lag, in bytes as PostgreSQL reports it.
            await("slot-lag-ms once caught up", 0.0, () -> attribute(task, "slot-lag-ms"));
            await("slot lag from pg_replication_slots", 0L, () -> cdcDb.withHandle(h -> h.createQuery(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots"
                            + " WHERE slot_name = 'metrics_cdc'").mapTo(Long.class).one()));
            await("slot-lag-bytes", 0.0, () -> attribute(task, "slot-lag-bytes"));
        } finally {
            stack.rest().deleteConnectorIfExists(connector);
            stack.postgres().dropDatabase("metrics_cdc_it");
        }
    }

    private static long epochMillis(Jdbi db) {
        return db.withHandle(h -> h.createQuery("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint")
                .mapTo(Long.class).one());
    }

    private double attribute(ObjectName name, String attribute) {
        try {
            return ((Number) jmx.getAttribute(name, attribute)).doubleValue();
        } catch (Exception e) {
            throw new IllegalStateException(name + " " + attribute + ": " + e, e);
        }
    }

    private Object jmxValue(ObjectName name, String attribute) {
        try {
            return jmx.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new IllegalStateException(name + " " + attribute + ": " + e, e);
        }
    }

    private static String message(LogEvent event) {
        return event.getMessage().getFormattedMessage();
    }

    /** Polls until {@code actual} equals {@code expected}; on timeout fails showing the last value or error. */
    private static <T> void await(String what, T expected, Supplier<T> actual) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = actual.get();
            } catch (RuntimeException e) { // e.g. the MBean is not registered yet
                last = e.toString();
            }
            if (expected.equals(last)) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        assertEquals(expected, last, what + " within " + TIMEOUT);
    }
}
