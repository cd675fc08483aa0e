package io.tablestream.e2e.cdc;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A table mirrored into another database through the CDC source and the sink, both at their defaults for deletes
 * (one tombstone per delete) and unchanged TOASTed values (the header unavailable.columns): inserts, updates that
 * leave a large out-of-line value untouched, updates of it and deletes run concurrently during and after the
 * snapshot, on a table whose columns are all NOT NULL. Once the writes stop, the mirror equals the table row by
 * row, large values included, and both connectors are still RUNNING.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcMirrorIT(Stack stack, CdcFixture cdc) {

    private static final String SOURCE_DB = "cdc_mirror_src_it";
    private static final String MIRROR_DB = "cdc_mirror_dst_it";
    private static final String SINK = "cdc-mirror-sink";
    /** About 16 KB of md5 hashes chained from a seed: incompressible, so stored out of line. */
    private static final String BIG = "(SELECT string_agg(md5(%d::text || i::text), '' ORDER BY i) FROM generate_series(1, 500) i)";
    private static final Duration WRITING = Duration.ofSeconds(8);

    @AfterEach
    void cleanUp() {
        stack.rest().deleteConnectorIfExists(SINK);
    }

    @Test
    void deletesAndUnchangedLargeValuesUnderConcurrentWritesLeaveAnIdenticalMirror() throws Exception {
        Jdbi source = cdc.database(SOURCE_DB);
        Jdbi mirror = cdc.database(MIRROR_DB);
        source.useHandle(h -> h.execute("""
                CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL, big text NOT NULL);
                ALTER TABLE items ALTER COLUMN big SET STORAGE EXTERNAL;
                INSERT INTO items SELECT g, 'v' || g, g, %s FROM generate_series(1, 200) g"""
                .formatted(BIG.formatted(0))));
        assertTrue(source.withHandle(h -> h.createQuery("SELECT min(pg_column_size(big)) FROM items")
                .mapTo(Integer.class).one()) > 8192, "large values stored out of line");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger operations = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(source, stop, operations));
        try {
            cdc.deploy("cdc-mirror", SOURCE_DB, "items", Map.of());
            stack.rest().createOrUpdateConnector(SINK, ConnectorConfigs.sink(stack, stack.postgres().jdbcUrl(MIRROR_DB),
                    "cdc-mirror.items", "insert.mode", "upsert", "pk.mode", "record_key", "delete.enabled", "true",
                    "auto.create", "true", "table.name.format", "items"));
            stack.rest().awaitRunning(SINK, CdcFixture.TIMEOUT);
            Thread.sleep(WRITING.toMillis());
        } finally {
            stop.set(true);
            writer.get();
        }
        assertTrue(operations.get() > 100, "the writer ran: " + operations.get() + " operations");

        String rows = "SELECT id, v, n, md5(big) FROM items ORDER BY id";
        List<List<String>> expected = Fixtures.rows(source, rows);
        Fixtures.await("the mirror to equal the table", expected, () -> Fixtures.rows(mirror, rows), CdcFixture.TIMEOUT);
        assertEquals("RUNNING", cdc.taskState("cdc-mirror"));
        assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), SINK).get(0));
    }

    /** Random inserts, updates of v or n only (big unchanged, so not in the WAL), updates of big, and deletes. */
    private static void write(Jdbi db, AtomicBoolean stop, AtomicInteger operations) {
        Random random = new Random(42);
        int nextId = 201;
        while (!stop.get()) {
            int id = 1 + random.nextInt(nextId - 1);
            int kind = random.nextInt(10);
            int newId = nextId;
            if (kind < 3) {
                db.useHandle(h -> h.execute("INSERT INTO items VALUES (?, 'new' || ?, ?, " + BIG.formatted(newId) + ")",
                        newId, newId, newId));
                nextId++;
            } else if (kind < 7) {
                db.useHandle(h -> h.execute("UPDATE items SET v = v || '+', n = n + 1 WHERE id = ?", id));
            } else if (kind < 8) {
                db.useHandle(h -> h.execute("UPDATE items SET big = " + BIG.formatted(operations.get()) + " WHERE id = ?", id));
            } else {
                db.useHandle(h -> h.execute("DELETE FROM items WHERE id = ?", id));
            }
            operations.incrementAndGet();
            Pause.millis(5);
        }
    }
}
