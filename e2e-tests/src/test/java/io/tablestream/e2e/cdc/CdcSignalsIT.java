package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Incremental snapshots on demand, through the signal table (signal.data.collection), while the stream runs, and
 * of tables captured later.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcSignalsIT(Stack stack, CdcFixture cdc) {

    private static Jdbi withSignalTable(Jdbi db) {
        db.useHandle(h -> h.execute("CREATE TABLE signals (id text PRIMARY KEY, type text NOT NULL, data text)"));
        return db;
    }

    private static void signal(Jdbi db, String id, String type, String data) {
        db.useHandle(h -> h.execute("INSERT INTO signals VALUES (?, ?, ?)", id, type, data));
    }

    private static List<Integer> ids(List<Change> changes, String op) {
        return changes.stream().filter(c -> op.equals(c.op())).map(c -> (Integer) c.keyField("id")).sorted().toList();
    }

    @Test
    void executeSnapshotReadsOneTableWithAndWithoutAFilterWhileTheStreamRuns() {
        Jdbi db = withSignalTable(cdc.database("cdc_signal_exec_it"));
        db.useHandle(h -> h.execute("""
                CREATE TABLE a (id int PRIMARY KEY, v text NOT NULL);
                CREATE TABLE b (id int PRIMARY KEY, v text NOT NULL);
                INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 50) g;
                INSERT INTO b SELECT g, 'b' || g FROM generate_series(1, 5) g;
                """));
        String name = "cdc-signal-exec";
        cdc.deploy(name, "cdc_signal_exec_it", "a,b", Map.of("snapshot.mode", "never",
                "signal.data.collection", "public.signals", "incremental.snapshot.chunk.size", "7"));
        ChangeLog log = cdc.changeLog(name + ".a", name + ".b", name + ".signals");
        db.useHandle(h -> h.execute("INSERT INTO b VALUES (6, 'streamed')"));
        log.await(c -> c.size() == 1, TIMEOUT, "the streamed insert");

        // Bad signals are logged and skipped: the task goes on.
        signal(db, "bad-1", "execute-snapshot", "{\"data-collections\": [\"public.nope\"]}");
        signal(db, "bad-2", "execute-snapshot", "not json");
        signal(db, "bad-3", "execute-snapshot", "{\"data-collections\": [\"public.a\"], \"additional-conditions\":"
                + " [{\"data-collection\": \"public.a\", \"filter\": \"no_such_column > 1\"}]}");
        signal(db, "filtered", "execute-snapshot", "{\"data-collections\": [\"public.a\"], \"type\": \"incremental\","
                + " \"additional-conditions\": [{\"data-collection\": \"public.a\", \"filter\": \"id % 10 = 0\"}]}");
        List<Change> changes = log.await(c -> ids(c, "r").size() >= 5, TIMEOUT, "the filtered snapshot of a");
        assertEquals(List.of(10, 20, 30, 40, 50), ids(changes, "r"));

        db.useHandle(h -> h.execute("UPDATE a SET v = 'updated' WHERE id = 1"));
        signal(db, "whole", "execute-snapshot", "{\"data-collections\": [\"a\"]}");
        changes = log.await(c -> ids(c, "r").size() >= 55, TIMEOUT, "the whole snapshot of a");
        List<Integer> expected = IntStream.rangeClosed(1, 50).boxed().collect(Collectors.toList());
        IntStream.rangeClosed(1, 5).forEach(i -> expected.add(i * 10));
        assertEquals(expected.stream().sorted().toList(), ids(changes, "r"));
        assertEquals(Map.of(1, "updated"), ChangeLog.finalState(changes, name + ".a", "id").entrySet().stream()
                .filter(e -> e.getKey().equals(1)).collect(Collectors.toMap(Map.Entry::getKey,
                        e -> e.getValue().get("v"))));
        assertEquals(List.of(), changes.stream().filter(c -> c.topic().endsWith(".b") && "r".equals(c.op())).toList(),
                "b was not asked for");
        assertEquals(List.of(), changes.stream().filter(c -> c.topic().endsWith(".signals")).toList(),
                "signals never reach a topic");
        assertEquals("RUNNING", cdc.taskState(name));
    }

    @Test
    void aTableAddedToTheIncludeListLaterArrivesWhole() {
        Jdbi db = cdc.database("cdc_signal_added_it", """
                CREATE TABLE first (id int PRIMARY KEY, v text NOT NULL);
                CREATE TABLE later (id int PRIMARY KEY, v text NOT NULL);
                INSERT INTO first SELECT g, 'f' || g FROM generate_series(1, 20) g;
                INSERT INTO later SELECT g, 'l' || g FROM generate_series(1, 3000) g;
                """);
        String name = "cdc-signal-added";
        Map<String, String> config = cdc.deploy(name, "cdc_signal_added_it", "first", Map.of());
        ChangeLog log = cdc.changeLog(name + ".first", name + ".later");
        log.await(c -> c.size() == 20, TIMEOUT, "the snapshot of first");

        config.put("table.include.list", "first,later");
        stack.rest().createOrUpdateConnector(name, config);
        db.useHandle(h -> h.execute("UPDATE later SET v = 'changed' WHERE id = 2999"));
        List<Change> changes = log.await(c -> ids(c, "r").size() >= 20 + 3000, TIMEOUT, "every row of later");
        assertEquals(IntStream.rangeClosed(1, 3000).boxed().toList(), changes.stream()
                .filter(c -> c.topic().endsWith(".later") && "r".equals(c.op())).map(c -> (Integer) c.keyField("id"))
                .sorted().toList());
        assertEquals(20, changes.stream().filter(c -> c.topic().endsWith(".first")).count(), "first not read again");
        assertEquals("changed", ChangeLog.finalState(changes, name + ".later", "id").get(2999).get("v"));
    }

    @Test
    void aSignalledSnapshotUnderWayWhenItsTableIsCreatedAgainStartsOverOnTheNewTable() {
        Jdbi db = withSignalTable(cdc.database("cdc_signal_recreated_it"));
        db.useHandle(h -> h.execute("""
                CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL);
                CREATE TABLE marks (id int PRIMARY KEY);
                INSERT INTO items SELECT g, 'old' FROM generate_series(1, 3000) g;
                """));
        String name = "cdc-signal-recreated";
        cdc.deploy(name, "cdc_signal_recreated_it", "items,marks", Map.of("snapshot.mode", "never",
                "signal.data.collection", "signals", "incremental.snapshot.chunk.size", "10",
                "table.poll.interval.ms", "500"));
        ChangeLog log = cdc.changeLog(name + ".items", name + ".marks");
        signal(db, "go", "execute-snapshot", "{\"data-collections\": [\"public.items\"]}");
        log.await(c -> ids(c, "r").size() >= 50, TIMEOUT, "the first chunks");
        signal(db, "p", "pause-snapshot", null);
        db.useHandle(h -> h.execute("INSERT INTO marks VALUES (1)")); // streamed after the signal: it was applied
        List<Change> before = log.await(c -> c.stream().anyMatch(r -> r.topic().endsWith(".marks")), TIMEOUT,
                "the mark after the pause");
        assertTrue(ids(before, "r").size() < 3000, "the signal's snapshot is still under way");

        // The new table's keys are all below the old one's last key read.
        db.useHandle(h -> h.execute("""
                DROP TABLE items;
                CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL);
                INSERT INTO items SELECT g, 'new' FROM generate_series(1, 50) g;
                """));
        CdcFixture.awaitCondition("the re-created items in the publication", () -> db.withHandle(h -> h.createQuery(
                "SELECT count(*) = 1 FROM pg_publication_tables WHERE tablename = 'items'").mapTo(Boolean.class).one()));
        signal(db, "r", "resume-snapshot", null);
        List<Change> changes = log.await(c -> newRowsRead(c).size() == 50, TIMEOUT,
                "the new table's rows, read from its first key");
        assertEquals(IntStream.rangeClosed(1, 50).boxed().toList(), newRowsRead(changes));
    }

    private static List<Integer> newRowsRead(List<Change> changes) {
        return changes.stream().filter(c -> "r".equals(c.op()) && "new".equals(c.value().getString("v")))
                .map(c -> (Integer) c.keyField("id")).distinct().sorted().toList();
    }

    @Test
    void aPausedSnapshotReadsNothingUntilResumed() {
        Jdbi db = withSignalTable(cdc.database("cdc_signal_pause_it"));
        db.useHandle(h -> h.execute("""
                CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL);
                CREATE TABLE marks (id int PRIMARY KEY);
                INSERT INTO items SELECT g, 'i' || g FROM generate_series(1, 200) g;
                """));
        String name = "cdc-signal-pause";
        cdc.deploy(name, "cdc_signal_pause_it", "items,marks", Map.of("snapshot.mode", "never",
                "signal.data.collection", "signals", "incremental.snapshot.chunk.size", "10"));
        ChangeLog log = cdc.changeLog(name + ".items", name + ".marks");
        signal(db, "p", "pause-snapshot", null);
        signal(db, "go", "execute-snapshot", "{\"data-collections\": [\"public.items\"]}");
        // Streamed after the signals: once it is in Kafka, the signals have been applied.
        db.useHandle(h -> h.execute("INSERT INTO marks VALUES (1)"));
        List<Change> changes = log.await(c -> c.stream().anyMatch(r -> r.topic().endsWith(".marks")), TIMEOUT,
                "the mark");
        db.useHandle(h -> h.execute("INSERT INTO marks VALUES (2)"));
        changes = log.await(c -> c.stream().filter(r -> r.topic().endsWith(".marks")).count() == 2, TIMEOUT,
                "the second mark");
        assertEquals(List.of(), ids(changes, "r"), "nothing read while paused");

        signal(db, "r", "resume-snapshot", null);
        changes = log.await(c -> ids(c, "r").size() >= 200, TIMEOUT, "the snapshot after resuming");
        assertEquals(IntStream.rangeClosed(1, 200).boxed().toList(), ids(changes, "r"));
    }
}
