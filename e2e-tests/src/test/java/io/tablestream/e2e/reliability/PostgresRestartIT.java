package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.tablestream.e2e.reliability.Fixtures.TIMEOUT;
import static io.tablestream.e2e.reliability.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL restarts (every session terminated, connections refused until it is back) while rows are being
 * written, read by the source and written by the sink: both connectors retry, report RUNNING again without anyone
 * restarting them, and the sink table ends equal to the source table, row by row.
 */
@ExtendWith(TablestreamStack.class)
record PostgresRestartIT(Stack stack) {

    private static final String DB = "pg_restart_it";

    @Test
    void connectorsRecoverFromARestartWithNothingLost() throws Exception {
        Assumptions.assumeTrue(stack.postgres().isEmbedded(), "restarts only the embedded server");
        String url = stack.postgres().createDatabase(DB);
        Jdbi db = Jdbi.create(() -> stack.postgres().connect(DB));
        db.useHandle(h -> h.execute("CREATE TABLE src (id bigint PRIMARY KEY, payload text NOT NULL, n int NOT NULL);"
                + " CREATE TABLE dst (id bigint PRIMARY KEY, payload text NOT NULL, n int NOT NULL)"));
        stack.rest().createOrUpdateConnector("restart-source", Fixtures.sourceConfig(stack, url, "src", "restart.",
                "batch.max.rows", "200"));
        stack.rest().createOrUpdateConnector("restart-sink", ConnectorConfigs.sink(stack, url, "restart.src",
                "table.name.format", "dst", "pk.mode", "record_key", "insert.mode", "upsert",
                "retry.backoff.ms", "500", "max.retries", "30", "batch.size", "200",
                "consumer.override.max.poll.records", "200"));
        stack.rest().awaitRunning("restart-source", TIMEOUT);
        stack.rest().awaitRunning("restart-sink", TIMEOUT);

        // A writer keeps inserting 100 rows per transaction through the restart; a failed transaction is retried,
        // so src holds exactly the committed rows.
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong next = new AtomicLong(1);
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                long from = next.get();
                try {
                    db.useHandle(h -> h.execute("INSERT INTO src SELECT g, md5(g::text), g % 1000"
                            + " FROM generate_series(?, ?) g", from, from + 99));
                    next.set(from + 100);
                } catch (RuntimeException e) { // the server is restarting
                    Pause.millis(100);
                }
                Pause.millis(20);
            }
        }, "pg-restart-it-writer");
        writer.start();
        try {
            await("the sink has written rows", true, () -> Fixtures.count(db, "dst") >= 2_000, TIMEOUT);
            stack.postgres().restart();
            long restartedAt = next.get();
            await("rows written after the restart", true, () -> next.get() > restartedAt + 2_000, TIMEOUT);
        } finally {
            writing.set(false);
            writer.join();
        }

        await("dst equals src", List.of(), () -> Fixtures.difference(db, "SELECT * FROM src", "SELECT * FROM dst"),
                Duration.ofSeconds(90));
        long rows = Fixtures.count(db, "src");
        assertTrue(rows >= 4_000, "rows " + rows);
        assertEquals(List.of(List.of(String.valueOf(rows), "1", String.valueOf(rows))),
                Fixtures.rows(db, "SELECT count(*), min(id), max(id) FROM dst"), "no gap in dst");
        // Without any restart request: both report RUNNING.
        stack.rest().awaitRunning("restart-source", TIMEOUT);
        stack.rest().awaitRunning("restart-sink", TIMEOUT);
        stack.rest().deleteConnector("restart-source");
        stack.rest().deleteConnector("restart-sink");
    }
}
