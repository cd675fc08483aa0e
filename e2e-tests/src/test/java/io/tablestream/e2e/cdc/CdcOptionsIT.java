package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * mode=cdc options through the real worker: envelope=debezium, emitted truncates (skipped.operations),
 * heartbeat.interval.ms, and moving the slot's offset with PATCH /connectors/{name}/offsets.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcOptionsIT(Stack stack, CdcFixture cdc) {

    @Test
    void debeziumEnvelopeAndTruncates() {
        Jdbi db = cdc.database("cdc_options_it", """
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                ALTER TABLE items REPLICA IDENTITY FULL;
                CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
                """);
        cdc.deploy("cdc-dbz", "cdc_options_it", "items", Map.of("envelope", "debezium", "skipped.operations", "none"));
        cdc.deploy("cdc-flat", "cdc_options_it", "notes", Map.of("skipped.operations", "none"));
        db.useHandle(h -> h.execute("""
                INSERT INTO items VALUES (1, 'a');
                UPDATE items SET name = 'b' WHERE id = 1;
                DELETE FROM items WHERE id = 1;
                INSERT INTO items VALUES (2, 'c');
                TRUNCATE items;
                INSERT INTO notes VALUES (1, 'kept until the truncate');
                TRUNCATE notes;
                INSERT INTO notes VALUES (2, 'after the truncate');
                """));

        List<Change> items = cdc.changeLog("cdc-dbz.items").await(c -> c.size() >= 6, TIMEOUT, "6 item records");
        assertEquals(List.of("c 1 null a", "u 1 a b", "d 1 b null", "tombstone 1", "c 2 null c", "t null null null"),
                items.stream().map(CdcOptionsIT::envelopeSummary).toList());
        Struct update = items.get(1).value();
        Struct source = update.getStruct("source");
        assertEquals(List.of("tablestream", "public", "items", false, Long.parseLong(items.get(1).headers().get("txid"))),
                Arrays.asList(source.get("connector"), source.get("schema"), source.get("table"), source.get("snapshot"),
                        source.get("txId")));
        assertEquals("t", items.get(5).headers().get("op"));

        List<Change> notes = cdc.changeLog("cdc-flat.notes").await(c -> c.size() >= 3, TIMEOUT, "3 note records");
        assertEquals("c", notes.get(0).op());
        Change truncate = notes.get(1);
        assertEquals("t", truncate.op());
        assertNull(truncate.key(), "a truncate has no key");
        assertNull(truncate.value(), "a flat truncate has no value");
        assertEquals(List.of("c", 2, "after the truncate"),
                List.of(notes.get(2).op(), notes.get(2).keyField("id"), notes.get(2).value().get("body")));
    }

    @Test
    void deleteHandlingModes() {
        Jdbi db = cdc.database("cdc_deletes_it", """
                CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, city text);
                CREATE TABLE people_full (id int PRIMARY KEY, name text NOT NULL, city text);
                ALTER TABLE people_full REPLICA IDENTITY FULL;
                """);
        cdc.deploy("cdc-rewrite", "cdc_deletes_it", "people,people_full", Map.of("delete.handling.mode", "rewrite"));
        cdc.deploy("cdc-nodeletes", "cdc_deletes_it", "people", Map.of("delete.handling.mode", "none"));
        for (String table : List.of("people", "people_full")) {
            db.useHandle(h -> h.execute("INSERT INTO " + table + " VALUES (1, 'Ada', 'London');"
                    + "UPDATE " + table + " SET city = 'Paris' WHERE id = 1;"
                    + "DELETE FROM " + table + " WHERE id = 1;"
                    + "INSERT INTO " + table + " VALUES (2, 'Grace', NULL)"));
        }

        // rewrite: the last known row marked __deleted (REPLICA IDENTITY DEFAULT knows the key only), a tombstone.
        List<Change> rewritten = cdc.changeLog("cdc-rewrite.people", "cdc-rewrite.people_full")
                .await(c -> c.size() == 10, TIMEOUT, "5 records per table");
        assertEquals(List.of("c 1 Ada London false", "u 1 Ada Paris false", "d 1 null null true", "tombstone 1",
                "c 2 Grace null false"), rewritten.stream().filter(c -> c.topic().equals("cdc-rewrite.people"))
                .map(CdcOptionsIT::rewriteSummary).toList());
        assertEquals(List.of("c 1 Ada London false", "u 1 Ada Paris false", "d 1 Ada Paris true", "tombstone 1",
                "c 2 Grace null false"), rewritten.stream().filter(c -> c.topic().equals("cdc-rewrite.people_full"))
                .map(CdcOptionsIT::rewriteSummary).toList());

        // none: the delete is not emitted at all.
        List<Change> kept = cdc.changeLog("cdc-nodeletes.people").await(c -> c.size() == 3, TIMEOUT,
                "insert, update, insert");
        assertEquals(List.of("c 1", "u 1", "c 2"), kept.stream().map(c -> c.op() + " " + c.keyField("id")).toList());
        assertTrue(kept.stream().allMatch(c -> c.value() != null && c.value().schema().field("__deleted") == null));
    }

    @Test
    void deleteHandlingModeWithTheDebeziumEnvelopeIsRefused() {
        Map<String, String> config = new java.util.HashMap<>(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "connection.url", stack.postgres().jdbcUrl("postgres"), "connection.user", stack.postgres().user(),
                "connection.password", stack.postgres().passwordOrEmpty(), "mode", "cdc",
                "envelope", "debezium", "delete.handling.mode", "rewrite"));
        String errors = stack.rest().validate("PostgresSourceConnector", config).toString();
        assertTrue(errors.contains("delete.handling.mode=rewrite applies to envelope=flat only"), errors);
    }

    /** op, key id, name, city, __deleted of a rewritten flat record, or "tombstone id". */
    private static String rewriteSummary(Change change) {
        Object id = change.keyField("id");
        if (change.value() == null) {
            return "tombstone " + id;
        }
        Struct v = change.value();
        return change.op() + " " + id + " " + v.get("name") + " " + v.get("city") + " " + v.get("__deleted");
    }

    /** op, key id, before name, after name of a Debezium envelope, or "tombstone id". */
    private static String envelopeSummary(Change change) {
        Object id = change.key() == null ? null : change.keyField("id");
        if (change.value() == null) {
            return "tombstone " + id;
        }
        Struct before = change.value().getStruct("before");
        Struct after = change.value().getStruct("after");
        return change.value().getString("op") + " " + id + " " + (before == null ? null : before.get("name")) + " "
                + (after == null ? null : after.get("name"));
    }

    @Test
    void heartbeatAdvancesTheSlotWhileTheCapturedTableIsIdle() {
        Jdbi db = cdc.database("cdc_heartbeat_it", """
                CREATE TABLE quiet (id int PRIMARY KEY);
                CREATE TABLE busy (id serial PRIMARY KEY, filler text NOT NULL);
                """);
        cdc.deploy("cdc-heartbeat", "cdc_heartbeat_it", "quiet", Map.of("heartbeat.interval.ms", "200"));
        // WAL the connector does not capture: another table of the database.
        for (int i = 0; i < 5; i++) {
            db.useHandle(h -> h.execute("INSERT INTO busy (filler) SELECT repeat('x', 200) FROM generate_series(1, 500)"));
        }
        String written = db.withHandle(h -> h.createQuery("SELECT pg_current_wal_lsn()::text").mapTo(String.class).one());
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!slotConfirmedAtLeast(db, "cdc_heartbeat", written)) {
            if (System.nanoTime() > deadline) {
                fail("The slot's confirmed_flush_lsn did not reach " + written + ": " + db.withHandle(h -> h.createQuery(
                        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'cdc_heartbeat'")
                        .mapTo(String.class).one()));
            }
            Pause.millis(200);
        }
    }

    @Test
    void aPatchedOffsetMovesTheStreamToTheGivenLsn() {
        Jdbi db = cdc.database("cdc_offsets_it", "CREATE TABLE moves (id int PRIMARY KEY, note text NOT NULL)");
        String name = "cdc-offsets";
        // Streaming only: this is about the stream's position, not about the table's rows.
        cdc.deploy(name, "cdc_offsets_it", "moves", Map.of("snapshot.mode", "never"));
        ChangeLog log = cdc.changeLog(name + ".moves");
        db.useHandle(h -> h.execute("INSERT INTO moves VALUES (1, 'streamed')"));
        log.await(c -> c.size() == 1, TIMEOUT, "the first insert");

        cdc.stopAndAwaitSlotReleased(name, db);
        db.useHandle(h -> h.execute("INSERT INTO moves VALUES (2, 'before the patched position')"));
        // The insert position: the test server commits asynchronously, so the write position may still lag.
        long lsn = db.withHandle(h -> h.createQuery("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")
                .mapTo(Long.class).one());
        db.useHandle(h -> h.execute("INSERT INTO moves VALUES (3, 'after the patched position')"));

        ConnectRestException wrongPartition = assertThrows(ConnectRestException.class, () -> stack.rest().patchOffsets(name,
                Map.of("table", "public.moves"), Map.of("v", 1, "lsn", lsn, "txid", 0, "snapshot_done", true)));
        assertTrue(wrongPartition.getMessage().contains("cdc_offsets")
                && wrongPartition.getMessage().contains("slot.name"), wrongPartition.getMessage());
        stack.rest().patchOffsets(name, Map.of("slot", "cdc_offsets"), Map.of("v", 1, "lsn", lsn, "txid", 0, "snapshot_done", true));
        stack.rest().resumeConnector(name);

        List<Change> changes = log.await(c -> c.size() == 2, TIMEOUT, "the insert after the patched position");
        assertEquals(List.of(1, 3), changes.stream().map(c -> c.keyField("id")).toList(),
                "the change before the patched LSN is skipped, the one after it streamed");
    }

    private static boolean slotConfirmedAtLeast(Jdbi db, String slot, String lsn) {
        return db.withHandle(h -> h.createQuery(
                        "SELECT confirmed_flush_lsn >= pg_lsn(?) FROM pg_replication_slots WHERE slot_name = ?")
                .bind(0, lsn).bind(1, slot).mapTo(Boolean.class).one());
    }
}
