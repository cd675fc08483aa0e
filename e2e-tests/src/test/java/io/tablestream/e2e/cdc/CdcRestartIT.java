package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mode=cdc across connector restarts: what the stored offset and the slot say decides where the task resumes. */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcRestartIT(Stack stack, CdcFixture cdc) {

    @Test
    void aRestartAfterASnapshotEndingExactlyAtABatchBoundaryStreamsWithoutReReadingIt() {
        Jdbi db = cdc.database("cdc_snapshot_done_it");
        // The last table is empty: the snapshot's last record is the last row of the first table, which fills the
        // batch exactly.
        db.useHandle(h -> h.execute("""
                CREATE TABLE filled (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO filled SELECT g, 'row ' || g FROM generate_series(1, 100) g;
                CREATE TABLE empty (id int PRIMARY KEY);
                """));
        String name = "cdc-snapshot-done";
        cdc.deploy(name, "cdc_snapshot_done_it", "filled,empty", Map.of("batch.max.rows", "100"));
        ChangeLog log = cdc.changeLog(name + ".filled", name + ".empty");
        log.await(c -> c.size() == 100, TIMEOUT, "the 100 snapshot rows");

        cdc.stopAndAwaitSlotReleased(name, db);
        stack.rest().resumeConnector(name);
        stack.rest().awaitRunning(name, TIMEOUT);
        db.useHandle(h -> h.execute("INSERT INTO filled VALUES (101, 'streamed after the restart')"));

        List<Change> changes = log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(101)), TIMEOUT,
                "the insert after the restart");
        log.readCommitted(TIMEOUT);
        assertEquals(IntStream.rangeClosed(1, 101).boxed().toList(),
                changes.stream().map(c -> (Integer) c.keyField("id")).toList(), "each row once, in order");
        assertEquals(Map.of("r", 100L, "c", 1L),
                changes.stream().collect(Collectors.groupingBy(Change::op, Collectors.counting())));
        assertEquals("row 100", changes.get(99).value().get("name"));
        assertEquals("streamed after the restart", changes.get(100).value().get("name"));
    }

    @Test
    void aSlotDroppedWhileStoppedFailsTheTaskOrWithResnapshotIsReadAgain() {
        Jdbi db = cdc.database("cdc_slot_lost_it", """
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO items SELECT g, 'before ' || g FROM generate_series(1, 5) g;
                """);
        String name = "cdc-slot-lost";
        Map<String, String> config = cdc.deploy(name, "cdc_slot_lost_it", "items", Map.of());
        ChangeLog log = cdc.changeLog(name + ".items");
        // Written once the snapshot is in: an insert committed before its chunk was read would come twice.
        log.await(c -> c.size() == 5, TIMEOUT, "the snapshot");
        db.useHandle(h -> h.execute("INSERT INTO items VALUES (6, 'streamed')"));
        log.await(c -> c.size() == 6, TIMEOUT, "the snapshot and one streamed insert");

        cdc.stopAndAwaitSlotReleased(name, db);
        db.useHandle(h -> h.execute("SELECT pg_drop_replication_slot('cdc_slot_lost')"));
        db.useHandle(h -> h.execute("INSERT INTO items SELECT g, 'while the slot was gone ' || g"
                + " FROM generate_series(7, 16) g"));
        stack.rest().resumeConnector(name);
        String trace = cdc.awaitTaskFailure(name);
        assertTrue(trace.contains("Replication slot cdc_slot_lost does not exist")
                && trace.contains("slot.lost.action=resnapshot"), trace);

        config.put("slot.lost.action", "resnapshot");
        stack.rest().createOrUpdateConnector(name, config);
        // The new config restarts the task; until then the status still shows the failed one.
        CdcFixture.awaitCondition("the task to run with the new config", () -> "RUNNING".equals(cdc.taskState(name)));
        List<Change> changes = log.await(c -> c.size() == 6 + 16, TIMEOUT, "the 16 rows read again");
        assertEquals(IntStream.rangeClosed(1, 16).boxed().toList(),
                changes.subList(6, 22).stream().map(c -> (Integer) c.keyField("id")).toList());
        assertTrue(changes.subList(6, 22).stream().allMatch(c -> "r".equals(c.op())));
        assertEquals("while the slot was gone 16", changes.get(21).value().get("name"));
        assertEquals(true, db.withHandle(h -> h.createQuery(
                "SELECT count(*) = 1 FROM pg_replication_slots WHERE slot_name = 'cdc_slot_lost'")
                .mapTo(Boolean.class).one()), "the slot is back");
    }

    @Test
    void slotFailoverCreatesAFailoverSlot() {
        Jdbi db = cdc.database("cdc_failover_it", "CREATE TABLE items (id int PRIMARY KEY)");
        cdc.deploy("cdc-failover", "cdc_failover_it", "items", Map.of("slot.failover", "true"));
        assertEquals(true, db.withHandle(h -> h.createQuery(
                "SELECT failover FROM pg_replication_slots WHERE slot_name = 'cdc_failover'").mapTo(Boolean.class).one()));
    }

    @Test
    void aTaskStartingWhilePostgresIsDownWaitsForIt() throws Exception {
        Assumptions.assumeTrue(stack.postgres().isEmbedded(), "restarts only the embedded server");
        Jdbi db = cdc.database("cdc_start_outage_it",
                "CREATE TABLE events (id int PRIMARY KEY); INSERT INTO events VALUES (1), (2)");
        String name = "cdc-start-outage";
        // The connector's own look at the catalog (table.poll.interval.ms) must not fall into the outage.
        cdc.deploy(name, "cdc_start_outage_it", "events", Map.of("connection.attempts", "120",
                "connection.backoff.ms", "500", "table.poll.interval.ms", "600000"));
        ChangeLog log = cdc.changeLog(name + ".events");
        log.await(c -> c.size() >= 2, TIMEOUT, "the snapshot");

        java.util.concurrent.CompletableFuture<Void> outage = java.util.concurrent.CompletableFuture.runAsync(
                () -> stack.postgres().restart(Duration.ofSeconds(15)));
        CdcFixture.awaitCondition("PostgreSQL to refuse connections", () -> {
            try {
                db.useHandle(h -> h.execute("SELECT 1"));
                return false;
            } catch (RuntimeException e) {
                return true;
            }
        });
        try {
            stack.rest().restartTask(name, 0); // its start() finds PostgreSQL down
            while (!outage.isDone()) {
                assertTrue(!"FAILED".equals(cdc.taskState(name)), "the task failed while PostgreSQL was down: "
                        + stack.rest().status(name));
                Pause.millis(200);
            }
        } finally {
            outage.get();
        }
        db.useHandle(h -> h.execute("INSERT INTO events VALUES (3)"));
        List<Change> changes = log.await(c -> c.size() >= 3, Duration.ofSeconds(120), "the insert after the outage");
        log.readCommitted(TIMEOUT);
        assertEquals(List.of("r 1", "r 2", "c 3"), changes.stream().map(c -> c.op() + " " + c.keyField("id")).toList(),
                "every row once");
        assertEquals("RUNNING", cdc.taskState(name));
    }

    @Test
    void aSnapshotWhoseConnectionIsLostIsReadAgainWithoutFailingTheTask() {
        Jdbi db = cdc.database("cdc_snapshot_loss_it", "CREATE TABLE events (id int PRIMARY KEY);"
                + "INSERT INTO events SELECT g FROM generate_series(1, 2000) g");
        String name = "cdc-snapshot-loss";
        ChangeLog log = cdc.changeLog(name + ".events");
        // 5 ms a record (a slow transform): the snapshot's cursor (1000 rows a fetch) still has rows to fetch when
        // its session is terminated.
        cdc.deploy(name, "cdc_snapshot_loss_it", "events", Map.of("batch.max.rows", "100", "snapshot.mode", "initial",
                "connection.attempts", "10", "connection.backoff.ms", "500",
                "transforms", "slow", "transforms.slow.type", SlowTransform.class.getName(),
                "transforms.slow.delay.ms", "5"));
        log.await(c -> c.size() >= 200, TIMEOUT, "the first snapshot records");
        int terminated = db.withHandle(h -> h.createQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                + " AND state = 'idle in transaction' AND query ILIKE '%FROM%events%'").mapTo(Integer.class).one());
        assertEquals(1, terminated, "the snapshot's session");

        List<Change> changes = log.await(c -> {
            assertTrue(!"FAILED".equals(cdc.taskState(name)), "the task failed: " + stack.rest().status(name));
            return c.stream().map(r -> r.keyField("id")).distinct().count() >= 2000;
        }, Duration.ofSeconds(120), "every row of the snapshot");
        db.useHandle(h -> h.execute("INSERT INTO events VALUES (2001)"));
        changes = log.await(c -> c.stream().anyMatch(r -> "c".equals(r.op())), TIMEOUT, "the insert after the snapshot");
        assertEquals(IntStream.rangeClosed(1, 2001).boxed().toList(), changes.stream()
                .map(c -> (Integer) c.keyField("id")).distinct().sorted().toList(), "every row, at least once");
        assertEquals("RUNNING", cdc.taskState(name));
    }

    @Test
    void streamingRidesOutAThirtySecondPostgresOutage() throws Exception {
        Assumptions.assumeTrue(stack.postgres().isEmbedded(), "restarts only the embedded server");
        Jdbi db = cdc.database("cdc_outage_it", "CREATE TABLE events (id int PRIMARY KEY, tx int NOT NULL)");
        String name = "cdc-outage";
        // batch.max.rows below the transaction size: polls end inside transactions, which must resume exactly.
        cdc.deploy(name, "cdc_outage_it", "events", Map.of("batch.max.rows", "7",
                "connection.attempts", "120", "connection.backoff.ms", "500"));
        ChangeLog log = cdc.changeLog(name + ".events");

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger transactions = new AtomicInteger();
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                int tx = transactions.get();
                try {
                    // A commit whose answer the shutdown cut off is retried: the retry then inserts nothing.
                    db.useHandle(h -> h.execute("INSERT INTO events SELECT ? * 10 + g, ? FROM generate_series(0, 9) g"
                            + " ON CONFLICT DO NOTHING", tx, tx));
                    transactions.incrementAndGet();
                } catch (RuntimeException e) { // the server is down
                    Pause.millis(200);
                }
                Pause.millis(20);
            }
        }, "cdc-outage-it-writer");
        writer.start();
        try {
            log.await(c -> c.size() >= 100, TIMEOUT, "rows streamed before the outage");
            stack.postgres().restart(Duration.ofSeconds(30));
            int afterRestart = transactions.get();
            CdcFixture.awaitCondition("transactions after the restart", () -> transactions.get() > afterRestart + 20);
        } finally {
            writing.set(false);
            writer.join();
        }

        int rows = transactions.get() * 10;
        List<Change> changes = log.await(c -> c.size() >= rows, Duration.ofSeconds(120), rows + " rows");
        assertEquals("RUNNING", cdc.taskState(name), "the task rode out the outage without failing");
        log.readCommitted(TIMEOUT);
        assertEquals(IntStream.range(0, rows).boxed().toList(),
                changes.stream().map(c -> (Integer) c.keyField("id")).sorted().toList(), "every row exactly once");
        assertEquals(IntStream.range(0, rows).boxed().toList(),
                changes.stream().map(c -> (Integer) c.keyField("id")).toList(), "in commit order");
    }

    @Test
    void aReplicationConnectionTerminatedDuringABulkStreamResumesWithEveryChangeOnceInOrder() {
        Jdbi db = cdc.database("cdc_walsender_loss_it", "CREATE TABLE events (id int PRIMARY KEY, v int NOT NULL)");
        String name = "cdc-walsender-loss";
        String slot = name.replace('-', '_');
        cdc.deploy(name, "cdc_walsender_loss_it", "events", Map.of("snapshot.mode", "never", "batch.max.rows", "500",
                "connection.attempts", "10", "connection.backoff.ms", "500"));
        ChangeLog log = cdc.changeLog(name + ".events");
        CdcFixture.awaitCondition("the task to stream from slot " + slot, () -> CdcFixture.slotActive(db, slot));
        // Transactions far larger than what the task reads ahead: the connection is lost in the middle of one, whose
        // changes already sent must not come again when the stream resumes at its start.
        int transactions = 8;
        int rowsEach = 10_000;
        for (int tx = 0; tx < transactions; tx++) {
            int first = tx * rowsEach + 1;
            db.useHandle(h -> h.execute("INSERT INTO events SELECT g, 0 FROM generate_series(?, ?) g", first,
                    first + rowsEach - 1));
        }
        log.await(c -> c.size() >= rowsEach, TIMEOUT, "the first transaction's rows");
        int terminated = db.withHandle(h -> h.createQuery("SELECT count(pg_terminate_backend(active_pid))"
                + " FROM pg_replication_slots WHERE slot_name = ? AND active").bind(0, slot).mapTo(Integer.class).one());
        assertEquals(1, terminated, "the walsender of the slot");
        db.useHandle(h -> h.execute("UPDATE events SET v = 1 WHERE id <= ?", rowsEach));

        int rows = transactions * rowsEach;
        List<Change> changes = log.await(c -> {
            assertTrue(!"FAILED".equals(cdc.taskState(name)), "the task failed: " + stack.rest().status(name));
            return c.size() >= rows + rowsEach;
        }, Duration.ofSeconds(180), "every insert and the update after the loss");
        log.readCommitted(TIMEOUT);
        List<String> expected = IntStream.rangeClosed(1, rows).mapToObj(id -> "c " + id).collect(Collectors.toList());
        IntStream.rangeClosed(1, rowsEach).forEach(id -> expected.add("u " + id));
        List<String> actual = changes.stream().map(c -> c.op() + " " + c.keyField("id")).toList();
        // Compared by count and first difference: the lists are too long to print whole.
        int firstDifference = IntStream.range(0, Math.min(expected.size(), actual.size()))
                .filter(i -> !expected.get(i).equals(actual.get(i))).findFirst().orElse(-1);
        assertEquals(-1, firstDifference, () -> "every change once, in commit order; first difference at "
                + firstDifference + ": " + actual.subList(firstDifference, Math.min(actual.size(), firstDifference + 5)));
        assertEquals(expected.size(), actual.size(), "every change once");
        assertEquals("RUNNING", cdc.taskState(name));
    }
}
