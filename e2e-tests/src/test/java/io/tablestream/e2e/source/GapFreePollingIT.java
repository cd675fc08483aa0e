package io.tablestream.e2e.source;

import io.tablestream.e2e.TopicReader;

import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row that takes its id (or timestamp) early and commits late is not skipped: transaction A inserts id 5 and stays
 * open, B inserts id 6 and commits, the connector polls (and must hold 6 back), A commits, and both rows arrive, in
 * order, exactly once.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GapFreePollingIT {

    private static final String DB = "gap_free_it";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Stack stack;
    private Jdbi db;
    private String url;

    GapFreePollingIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeAll
    void createDatabase() {
        url = stack.postgres().createDatabase(DB);
        db = Jdbi.create(() -> stack.postgres().connect(DB));
    }

    @Test
    void incrementingModeWaitsForTheOlderTransaction() {
        db.useHandle(h -> h.execute("""
                CREATE TABLE inc_rows (id bigint PRIMARY KEY, note text NOT NULL);
                INSERT INTO inc_rows SELECT g, 'row ' || g FROM generate_series(1, 4) g"""));
        deploy("gap-inc", Map.of("mode", "incrementing", "incrementing.column.name", "id", "table.include.list", "inc_rows"));
        String topic = "gap.inc_rows";
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 4L, TIMEOUT);

        try (Handle a = db.open()) {
            a.begin();
            a.execute("INSERT INTO inc_rows VALUES (5, 'early id, late commit')");
            db.useHandle(b -> b.execute("INSERT INTO inc_rows VALUES (6, 'committed first')"));
            awaitPolls("inc_rows", 2);
            List<Object> whileOpen = TopicReader.ids(TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> values.size() >= 4, TIMEOUT));
            assertFalse(whileOpen.contains(6L), "row 6 must wait for the older transaction: " + whileOpen);
            a.commit();
        }
        db.useHandle(h -> h.execute("INSERT INTO inc_rows VALUES (7, 'marker')"));
        List<Object> ids = TopicReader.ids(TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 7L, TIMEOUT));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), ids);
        stack.rest().deleteConnector("gap-inc");
    }

    @Test
    void timestampModeWaitsForTheOlderTransactionWithAnEarlierStamp() {
        db.useHandle(h -> h.execute("""
                CREATE TABLE ts_rows (id int PRIMARY KEY, updated_at timestamptz NOT NULL);
                INSERT INTO ts_rows SELECT g, now() - interval '1 hour' + g * interval '1 second' FROM generate_series(1, 4) g"""));
        deploy("gap-ts", Map.of("mode", "timestamp", "timestamp.column.name", "updated_at", "table.include.list", "ts_rows"));
        String topic = "gap.ts_rows";
        TopicReader.readUntil(stack.kafka().bootstrapServers(), topic, values -> values.size() >= 4, TIMEOUT);

        try (Handle a = db.open()) {
            a.begin();
            a.execute("INSERT INTO ts_rows VALUES (5, now() - interval '10 minutes')"); // stamped earlier than 6
            db.useHandle(b -> b.execute("INSERT INTO ts_rows VALUES (6, now())"));
            awaitPolls("ts_rows", 2);
            List<Object> whileOpen = TopicReader.ids(TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> values.size() >= 4, TIMEOUT));
            assertFalse(whileOpen.contains(6), "row 6 must wait for the older transaction: " + whileOpen);
            a.commit();
        }
        db.useHandle(h -> h.execute("INSERT INTO ts_rows VALUES (7, now())"));
        List<Object> ids = TopicReader.ids(TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 7, TIMEOUT));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), ids);
        stack.rest().deleteConnector("gap-ts");
    }

    private void deploy(String name, Map<String, String> modeConfig) {
        Map<String, String> config = new HashMap<>(modeConfig);
        config.put("connector.class", "io.tablestream.source.PostgresSourceConnector");
        config.put("tasks.max", "1");
        config.put("connection.url", url);
        config.put("connection.user", stack.postgres().user());
        config.put("connection.password", stack.postgres().passwordOrEmpty());
        config.put("topic.prefix", "gap.");
        config.put("poll.interval.ms", "100");
        stack.rest().createOrUpdateConnector(name, config);
        stack.rest().awaitRunning(name, TIMEOUT);
    }

    /** Waits until the connector has queried the table {@code polls} more times (PostgreSQL's scan counters). */
    private void awaitPolls(String table, int polls) {
        long start = scans(table);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (scans(table) < start + polls) {
            assertTrue(System.nanoTime() < deadline, "the connector did not poll " + table + " within " + TIMEOUT);
            pause();
        }
    }

    private long scans(String table) {
        return db.withHandle(h -> {
            h.execute("SELECT pg_stat_clear_snapshot()");
            return h.createQuery("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = ?")
                    .bind(0, table).mapTo(Long.class).one();
        });
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
