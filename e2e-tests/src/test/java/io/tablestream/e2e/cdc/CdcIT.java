package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mode=cdc through the real worker: snapshot, then inserts, updates, deletes and a schema change from the WAL. */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcIT(Stack stack, CdcFixture cdc) {

    @Test
    void snapshotAndConcurrentWritesMeetWithoutGapOrDuplicate() throws Exception {
        Jdbi db = cdc.database("cdc_snapshot_it", """
                CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city text);
                INSERT INTO customers SELECT g, 'customer ' || g, 'city ' || (g % 7) FROM generate_series(1, 2000) g;
                """);

        // Writes race the snapshot: with snapshot.mode=initial (one exported snapshot, the stream starting exactly
        // where it ends) each must show exactly once, either in the snapshot or in the stream.
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 40; i++) {
                int id = 2001 + i;
                db.useHandle(h -> h.execute("INSERT INTO customers VALUES (?, ?, 'late')", id, "customer " + id));
                int updated = 1 + i * 10;
                db.useHandle(h -> h.execute("UPDATE customers SET city = 'moved' WHERE id = ?", updated));
                int deleted = 1000 + i;
                db.useHandle(h -> h.execute("DELETE FROM customers WHERE id = ?", deleted));
            }
        });
        cdc.deploy("cdc-snapshot", "cdc_snapshot_it", "customers", Map.of("batch.max.rows", "100",
                "snapshot.mode", "initial"));
        writes.get();

        Map<Object, List<Object>> expected = db.withHandle(h -> h.createQuery("SELECT id, name, city FROM customers")
                .map((rs, ctx) -> List.<Object>of(rs.getInt(1), rs.getString(2), rs.getString(3))).list())
                .stream().collect(Collectors.toMap(r -> r.get(0), r -> r.subList(1, 3), (a, b) -> a, TreeMap::new));
        List<Change> changes = cdc.changeLog("cdc-snapshot.customers").await(
                c -> asRows(ChangeLog.finalState(c, "cdc-snapshot.customers", "id")).equals(expected),
                TIMEOUT, "the topic's final state to equal the table");

        Map<Object, Long> createdPerId = changes.stream().filter(c -> "r".equals(c.op()) || "c".equals(c.op()))
                .collect(Collectors.groupingBy(c -> c.keyField("id"), Collectors.counting()));
        // Rows deleted before the slot existed never show; every row still in the table shows exactly once.
        assertTrue(createdPerId.keySet().containsAll(expected.keySet()), "rows missing from the topic");
        assertTrue(createdPerId.values().stream().allMatch(n -> n == 1), "a row was read twice: " +
                createdPerId.entrySet().stream().filter(e -> e.getValue() > 1).toList());
    }

    @Test
    void updatesDeletesAndAnAddedColumnStream() {
        Jdbi db = cdc.database("cdc_stream_it", """
                CREATE TABLE orders (id int PRIMARY KEY, amount numeric(12,2) NOT NULL, note text,
                                     placed_at timestamptz NOT NULL DEFAULT '2024-05-01 10:00:00+00');
                ALTER TABLE orders REPLICA IDENTITY FULL;
                CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO orders (id, amount, note) VALUES (1, 10.50, 'first');
                """);
        cdc.deploy("cdc-stream", "cdc_stream_it", "orders,customers", Map.of());
        ChangeLog log = cdc.changeLog("cdc-stream.orders", "cdc-stream.customers");
        log.await(c -> c.size() == 1, TIMEOUT, "the snapshot row");

        db.useHandle(h -> h.execute("""
                INSERT INTO orders (id, amount, note) VALUES (2, 20.00, NULL);
                UPDATE orders SET amount = 11.00, note = 'changed' WHERE id = 1;
                INSERT INTO customers VALUES (7, 'Ada');
                DELETE FROM customers WHERE id = 7;
                """));
        List<Change> all = log.await(c -> c.size() == 5, TIMEOUT, "insert, update, insert, delete");
        // Topics are ordered each on its own, not among each other.
        List<Change> changes = only(all, "cdc-stream.orders");
        List<Change> customerChanges = only(all, "cdc-stream.customers");

        Change snapshot = changes.get(0);
        assertEquals("r", snapshot.op());
        assertEquals(new BigDecimal("10.50"), snapshot.value().get("amount"));
        // time.precision.mode=microseconds (the default): microseconds since the epoch.
        assertEquals(java.time.Instant.parse("2024-05-01T10:00:00Z").getEpochSecond() * 1_000_000L,
                snapshot.value().get("placed_at"));

        Change insert = changes.get(1);
        assertEquals(List.of("c", 2, new BigDecimal("20.00")),
                List.of(insert.op(), insert.keyField("id"), insert.value().get("amount")));
        assertNull(insert.value().get("note"));
        // The stream's values match the snapshot's, type for type.
        assertEquals(snapshot.value().get("placed_at"), insert.value().get("placed_at"));
        assertEquals(snapshot.value().schema(), insert.value().schema());

        Change update = changes.get(2);
        assertEquals(List.of("u", 1, new BigDecimal("11.00"), "changed"),
                List.of(update.op(), update.keyField("id"), update.value().get("amount"), update.value().get("note")));
        assertNotNull(update.headers().get("lsn"));
        assertEquals(insert.headers().get("txid"), update.headers().get("txid"), "one database transaction");
        assertTrue(Long.parseLong(update.headers().get("commit_ts_ms")) > 0);

        assertEquals(List.of("c", "Ada"), List.of(customerChanges.get(0).op(), customerChanges.get(0).value().get("name")));
        assertEquals(2, customerChanges.size(), "a delete is one record");
        Change delete = customerChanges.get(1);
        assertEquals("d", delete.op());
        assertEquals(7, delete.keyField("id"));
        assertNull(delete.value(), "the delete is a tombstone: nothing in it reads as a row");
        assertNotNull(delete.headers().get("lsn"));

        // A column added while streaming: the next records carry it.
        db.useHandle(h -> h.execute("ALTER TABLE customers ADD COLUMN email text"));
        db.useHandle(h -> h.execute("INSERT INTO customers VALUES (8, 'Grace', 'grace@example.com')"));
        Change withEmail = log.await(c -> c.size() == 6, TIMEOUT, "the insert after ADD COLUMN").get(5);
        assertEquals(List.of("Grace", "grace@example.com"),
                List.of(withEmail.value().get("name"), withEmail.value().get("email")));
    }

    /**
     * Deploys connector {@code name} on table {@code table} of a new database, streams {@code firstRow}, then runs
     * {@code whileStopped} (changes and a migration) with the connector stopped and resumes it: the WAL then holds
     * changes written before the migration, which the connector decodes only after the catalog has moved on.
     */
    private ChangeLog migratedWhileStopped(String name, String table, String createTable, String firstRow,
                                           String whileStopped) {
        // The table starts empty, so a snapshot would read nothing; without one, a stop right after the first insert
        // cannot come before an (empty) snapshot's end is stored, which the restart would read the row again for
        return migratedWhileStopped(name, table, List.of(table), createTable, firstRow, whileStopped,
                Map.of("snapshot.mode", "never"));
    }

    /**
     * As above, with {@code includeList} as table.include.list, the log reading {@code tables}' topics and
     * {@code extra} config (a table renamed or created again while stopped is read by a snapshot).
     */
    private ChangeLog migratedWhileStopped(String name, String includeList, List<String> tables, String createTable,
                                           String firstRow, String whileStopped, Map<String, String> extra) {
        String database = name.replace('-', '_') + "_it";
        Jdbi db = cdc.database(database, createTable);
        cdc.deploy(name, database, includeList, extra);
        ChangeLog log = cdc.changeLog(tables.stream().map(t -> name + "." + t).toArray(String[]::new));
        db.useHandle(h -> h.execute(firstRow));
        log.await(c -> c.size() == 1, TIMEOUT, "the first insert");
        cdc.stopAndAwaitSlotReleased(name, db);
        db.useHandle(h -> h.execute(whileStopped));
        stack.rest().resumeConnector(name);
        return log;
    }

    @Test
    void changesWrittenBeforeAColumnTypeChangeKeepTheTypeTheyWereWrittenWith() {
        ChangeLog log = migratedWhileStopped("cdc-retype", "readings",
                "CREATE TABLE readings (id int PRIMARY KEY, reading text, taken_at timestamp)",
                "INSERT INTO readings VALUES (1, 'one', '2024-05-01 10:00:00')", """
                INSERT INTO readings VALUES (2, 'seven', '2024-05-02 10:00:00');
                ALTER TABLE readings ALTER COLUMN reading TYPE int USING length(reading),
                                     ALTER COLUMN taken_at TYPE timestamptz USING taken_at AT TIME ZONE 'UTC';
                INSERT INTO readings VALUES (3, 42, '2024-05-03 10:00:00+00');
                """);

        List<Change> changes = log.await(c -> c.size() == 3, TIMEOUT, "the inserts before and after the change");
        Change before = changes.get(1);
        assertEquals(List.of(2, "seven"), List.of(before.keyField("id"), before.value().get("reading")),
                "the value PostgreSQL held when the row was written");
        assertEquals(java.time.Instant.parse("2024-05-02T10:00:00Z").getEpochSecond() * 1_000_000L,
                before.value().get("taken_at"));
        assertEquals(changes.get(0).value().schema(), before.value().schema(), "the old columns' schema");
        Change after = changes.get(2);
        assertEquals(List.of(3, 42), List.of(after.keyField("id"), after.value().get("reading")));
        assertEquals("io.tablestream.time.TimestamptzMicros", after.value().schema().field("taken_at").schema().name());
    }

    @Test
    void changesWrittenBeforeAKeyColumnIsRenamedKeepTheirKey() {
        // The WAL's changes before the rename name the key column as it was.
        ChangeLog log = migratedWhileStopped("cdc-rekey", "parcels",
                "CREATE TABLE parcels (id int PRIMARY KEY, note text)", "INSERT INTO parcels VALUES (1, 'one')", """
                INSERT INTO parcels VALUES (2, 'two');
                DELETE FROM parcels WHERE id = 1;
                ALTER TABLE parcels RENAME COLUMN id TO parcel_id;
                INSERT INTO parcels VALUES (3, 'three');
                """);

        List<Change> changes = log.await(c -> c.size() >= 4, TIMEOUT, "the changes before and after the rename");
        assertEquals(2, changes.get(1).keyField("id"), "the insert written before the rename keeps its key");
        assertEquals(1, changes.get(2).keyField("id"), "so does the delete: a keyless delete deletes nothing");
        Change renamed = changes.stream().filter(c -> c.key() != null && c.key().schema().field("parcel_id") != null)
                .findFirst().orElseThrow(() -> new AssertionError("no record keyed parcel_id: " + changes));
        assertEquals(3, renamed.keyField("parcel_id"));
    }

    @Test
    void changesWrittenBeforeATableIsRenamedReachTheTopicItHad() {
        // The include list names the table: after the rename the old name's changes are still the table's, the new
        // name is not selected, and a table created under the old name is the one captured from then on.
        ChangeLog log = migratedWhileStopped("cdc-renamed", "shipments", List.of("shipments"),
                "CREATE TABLE shipments (id int PRIMARY KEY, weight numeric(8,2) NOT NULL, note text)",
                "INSERT INTO shipments VALUES (1, 1.50, 'one')", """
                INSERT INTO shipments VALUES (2, 2.25, 'two');
                UPDATE shipments SET weight = 1.75, note = 'one again' WHERE id = 1;
                DELETE FROM shipments WHERE id = 2;
                ALTER TABLE shipments RENAME TO shipments_archived;
                INSERT INTO shipments_archived VALUES (3, 3.00, 'after the rename');
                CREATE TABLE shipments (code text PRIMARY KEY, weight int NOT NULL, note text NOT NULL);
                INSERT INTO shipments VALUES ('four', 4, 'four');
                """, Map.of());

        List<Change> changes = log.await(c -> c.stream().anyMatch(r -> r.key().schema().field("code") != null), TIMEOUT,
                "the changes before the rename and the new table's row");
        assertEquals(List.of("c 2 2.25 two", "u 1 1.75 one again", "d 2"), changes.subList(1, 4).stream()
                .map(CdcIT::describe).toList());
        assertEquals(changes.get(0).value().schema(), changes.get(1).value().schema(), "the table's schema then");
        assertEquals(5, changes.size(), "nothing of the renamed table after its rename: " + changes);
        assertEquals(4, changes.get(4).value().get("weight"), "the new table's row, with its own schema");
    }

    @Test
    void aRenamedTableStillSelectedUnderItsNewNameGoesOnInTheNewNamesTopic() {
        // Selected by a pattern that matches both names: the changes before the rename keep the old topic; the new
        // name's topic gets the table's rows (read as a newly captured table) and its changes from the rename on.
        ChangeLog log = migratedWhileStopped("cdc-moved", "public\\.depots.*", List.of("depots", "depots_v2"),
                "CREATE TABLE depots (id int PRIMARY KEY, city text NOT NULL)",
                "INSERT INTO depots VALUES (1, 'Oslo')", """
                INSERT INTO depots VALUES (2, 'Bergen');
                UPDATE depots SET city = 'Trondheim' WHERE id = 1;
                ALTER TABLE depots RENAME TO depots_v2;
                INSERT INTO depots_v2 VALUES (3, 'Tromso');
                DELETE FROM depots_v2 WHERE id = 2;
                """, Map.of());

        List<Change> all = log.await(c -> only(c, "cdc-moved.depots").size() == 3
                        && ChangeLog.finalState(only(c, "cdc-moved.depots_v2"), "cdc-moved.depots_v2", "id").keySet()
                        .equals(java.util.Set.of(1, 3)),
                TIMEOUT, "the old name's changes and the new name's rows");
        assertEquals(List.of("c 1 Oslo", "c 2 Bergen", "u 1 Trondheim"),
                only(all, "cdc-moved.depots").stream().map(CdcIT::describe).toList());
        Map<Object, Struct> renamed = ChangeLog.finalState(only(all, "cdc-moved.depots_v2"), "cdc-moved.depots_v2",
                "id");
        assertEquals(List.of("Trondheim", "Tromso"), List.of(renamed.get(1).get("city"), renamed.get(3).get("city")));
    }

    @Test
    void aTableRenamedWhileStreamingToANameStillSelectedGoesOnInTheNewNamesTopic() {
        // The task runs on: the WAL names the table anew after the rename, and its changes must not stop there.
        String database = "cdc_run_renamed_it";
        Jdbi db = cdc.database(database, "CREATE TABLE sheds (id int PRIMARY KEY, city text NOT NULL)");
        cdc.deploy("cdc-run-renamed", database, "public\\.sheds.*", Map.of());
        ChangeLog log = cdc.changeLog("cdc-run-renamed.sheds", "cdc-run-renamed.sheds_v2");
        db.useHandle(h -> h.execute("INSERT INTO sheds VALUES (1, 'Oslo')"));
        log.await(c -> c.size() == 1, TIMEOUT, "the first insert");
        db.useHandle(h -> h.execute("""
                ALTER TABLE sheds RENAME TO sheds_v2;
                INSERT INTO sheds_v2 VALUES (2, 'Bergen');
                UPDATE sheds_v2 SET city = 'Trondheim' WHERE id = 1;
                """));

        // Streamed (c, u), not only read again by a snapshot of the new name (r)
        log.await(c -> only(c, "cdc-run-renamed.sheds_v2").stream().map(CdcIT::describe).toList()
                        .containsAll(List.of("c 2 Bergen", "u 1 Trondheim")), TIMEOUT,
                "the changes after the rename, streamed");
    }

    @Test
    void changesWrittenBeforeATableIsDroppedReachItsTopic() {
        ChangeLog log = migratedWhileStopped("cdc-dropped", "invoices",
                "CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric(10,2) NOT NULL, paid boolean)",
                "INSERT INTO invoices VALUES (1, 10.00, false)", """
                INSERT INTO invoices VALUES (2, 20.50, false);
                UPDATE invoices SET paid = true WHERE id = 1;
                DELETE FROM invoices WHERE id = 2;
                DROP TABLE invoices;
                """);

        List<Change> changes = log.await(c -> c.size() == 4, TIMEOUT, "the changes before the drop");
        assertEquals(List.of("c 2 20.50 false", "u 1 10.00 true", "d 2"),
                changes.subList(1, 4).stream().map(CdcIT::describe).toList());
        assertEquals(changes.get(0).key().schema(), changes.get(3).key().schema(), "the key the table had");
    }

    @Test
    void aTableDroppedAndCreatedAgainWithTheSameKeysEndsWithTheNewTablesRows() {
        // An ETL reload while the connector lags: the old table's changes, still in the WAL, go to the topic the new
        // table's rows are read into; they are another table's, so they must not stand for the new rows' keys.
        ChangeLog log = migratedWhileStopped("cdc-reloaded", "ledger", List.of("ledger"),
                "CREATE TABLE ledger (id int PRIMARY KEY, state text NOT NULL)",
                "INSERT INTO ledger VALUES (1, 'first')", """
                INSERT INTO ledger SELECT g, 'old' FROM generate_series(2, 5) g;
                UPDATE ledger SET state = 'old final';
                DROP TABLE ledger;
                CREATE TABLE ledger (id int PRIMARY KEY, state text NOT NULL);
                INSERT INTO ledger SELECT g, 'new ' || g FROM generate_series(1, 5) g;
                """, Map.of());
        Jdbi db = Jdbi.create(() -> stack.postgres().connect("cdc_reloaded_it"));
        Map<Object, Object> table = new TreeMap<>();
        db.useHandle(h -> h.createQuery("SELECT id, state FROM ledger").map((rs, ctx) -> Map.entry(rs.getInt(1),
                rs.getString(2))).forEach(row -> table.put(row.getKey(), row.getValue())));

        List<Change> changes = log.await(c -> c.size() >= 10 && ChangeLog.finalState(c, "cdc-reloaded.ledger", "id")
                        .values().stream().allMatch(v -> String.valueOf(v.get("state")).startsWith("new")), TIMEOUT,
                "the old table's changes, then the new table's rows");
        Map<Object, Object> topic = new TreeMap<>();
        ChangeLog.finalState(changes, "cdc-reloaded.ledger", "id").forEach((id, row) -> topic.put(id, row.get("state")));
        assertEquals(table, topic, "the topic's compacted view is the new table, row by row");
    }

    @Test
    void changesWrittenBeforeATableMovesToASchemaTheUserCannotUseReachItsTopic() {
        // The catalog is read by the table's oid: a name in a schema without USAGE would be refused.
        Jdbi db = cdc.database("cdc_moved_away_it", """
                CREATE TABLE parcels (id int PRIMARY KEY, note text NOT NULL);
                CREATE SCHEMA vault;
                CREATE PUBLICATION moved FOR TABLE parcels WITH (publish_via_partition_root = true);
                DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_mover') THEN
                  CREATE ROLE cdc_mover LOGIN REPLICATION; END IF; END $$;
                GRANT SELECT ON parcels TO cdc_mover;
                """);
        String name = "cdc-moved-away";
        cdc.deploy(name, "cdc_moved_away_it", "parcels", Map.of("publication.name", "moved",
                "publication.autocreate.mode", "disabled", "connection.user", "cdc_mover", "connection.password", ""));
        ChangeLog log = cdc.changeLog(name + ".parcels");
        db.useHandle(h -> h.execute("INSERT INTO parcels VALUES (1, 'one')"));
        log.await(c -> c.size() == 1, TIMEOUT, "the first insert");
        cdc.stopAndAwaitSlotReleased(name, db);
        db.useHandle(h -> h.execute("""
                INSERT INTO parcels VALUES (2, 'two');
                ALTER TABLE parcels SET SCHEMA vault;
                """));
        stack.rest().resumeConnector(name);

        List<Change> changes = log.await(c -> c.size() == 2, TIMEOUT, "the insert written before the move");
        assertEquals("c 2 two", describe(changes.get(1)));
        assertEquals(changes.get(0).value().schema(), changes.get(1).value().schema(), "the table's schema then");
        stack.rest().awaitRunning(name, TIMEOUT);
    }

    /** op, key and value fields of a change, in the value's field order; a delete is its op and key. */
    private static String describe(Change change) {
        StringBuilder text = new StringBuilder(change.op());
        change.key().schema().fields().forEach(f -> text.append(' ').append(change.key().get(f)));
        if (change.value() != null) {
            change.value().schema().fields().stream().filter(f -> change.key().schema().field(f.name()) == null)
                    .forEach(f -> text.append(' ').append(change.value().get(f)));
        }
        return text.toString();
    }

    @Test
    void aNullWrittenBeforeSetNotNullStreamsAsNull() {
        // The usual migration to a required column (backfill, then SET NOT NULL): the WAL holds a null the catalog
        // now forbids.
        ChangeLog log = migratedWhileStopped("cdc-notnull", "sensors",
                "CREATE TABLE sensors (id int PRIMARY KEY, zone int)", "INSERT INTO sensors VALUES (1, 7)", """
                INSERT INTO sensors VALUES (2, NULL);
                UPDATE sensors SET zone = 0 WHERE zone IS NULL;
                ALTER TABLE sensors ALTER COLUMN zone SET NOT NULL;
                INSERT INTO sensors VALUES (3, 9);
                """);

        List<Change> changes = log.await(c -> c.size() == 4, TIMEOUT, "the insert, the backfill and the insert after");
        assertEquals(List.of("c 2 null", "u 2 0", "c 3 9"), changes.subList(1, 4).stream()
                .map(c -> c.op() + " " + c.keyField("id") + " " + c.value().get("zone")).toList());
    }

    @Test
    void valuesNoConnectTypeHoldsFailTheTaskNamingTableColumnAndFix() {
        // Any array column can hold a matrix (PostgreSQL does not enforce declared dimensions); its Connect schema
        // is a list of elements, so the rows must not arrive as text like "{a,b}".
        cdc.database("cdc_matrix_it", """
                CREATE TABLE grid (id int PRIMARY KEY, cells text[]);
                INSERT INTO grid VALUES (1, '{x,y}'), (2, '{{a,b},{c,d}}');
                """);
        String trace = cdc.deployAndAwaitTaskFailure("cdc-matrix", "cdc_matrix_it", "grid", Map.of());
        assertTrue(trace.contains("public.grid") && trace.contains("Column cells")
                && trace.contains("one dimension") && trace.contains("jsonb"), trace);

        // Likewise NaN, which PostgreSQL allows in numeric(p,s): no Decimal holds it.
        cdc.database("cdc_nan_it", """
                CREATE TABLE prices (id int PRIMARY KEY, amount numeric(10,2));
                INSERT INTO prices VALUES (1, 1.50), (2, 'NaN');
                """);
        trace = cdc.deployAndAwaitTaskFailure("cdc-nan", "cdc_nan_it", "prices", Map.of());
        assertTrue(trace.contains("Table public.prices: Column amount (numeric(10,2)) holds NaN")
                && trace.contains("unconstrained numeric"), trace);
    }

    @Test
    void intervalsKeepEveryPartWhateverTheDatabasesIntervalStyle() {
        Jdbi db = cdc.database("cdc_interval_it", """
                CREATE TABLE leases (id int PRIMARY KEY, term interval);
                INSERT INTO leases VALUES (1, '1 year 2 mons 3 days 04:05:06');
                """);
        // A database (or role) may print intervals in another style; each new session takes it.
        db.useHandle(h -> h.execute("ALTER DATABASE cdc_interval_it SET IntervalStyle = 'sql_standard'"));
        cdc.deploy("cdc-interval", "cdc_interval_it", "leases", Map.of());
        ChangeLog log = cdc.changeLog("cdc-interval.leases");
        log.await(c -> c.size() == 1, TIMEOUT, "the snapshot row");
        db.useHandle(h -> h.execute("INSERT INTO leases VALUES (2, '-1 years -2 mons +3 days -04:05:06.5')"));
        List<Change> changes = log.await(c -> c.size() == 2, TIMEOUT, "the insert");
        assertEquals(List.of("P1Y2M3DT4H5M6S", "P-1Y-2M3DT-4H-5M-6.5S"),
                changes.stream().map(c -> c.value().get("term")).toList());
    }

    @Test
    void snapshotAndStreamCarryTheColumnsThePublicationSends() {
        Jdbi db = cdc.database("cdc_columns_it", """
                CREATE TABLE lines (id int PRIMARY KEY, price numeric(10,2) NOT NULL, qty int NOT NULL,
                                    total numeric(12,2) GENERATED ALWAYS AS (price * qty) STORED);
                CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, secret text);
                INSERT INTO lines (id, price, qty) VALUES (1, 2.50, 4);
                INSERT INTO accounts VALUES (1, 'Ada', 'not published');
                CREATE PUBLICATION cdc_columns FOR TABLE lines, accounts (id, owner);
                CREATE PUBLICATION cdc_gencols FOR TABLE lines WITH (publish_generated_columns = stored);
                """);
        cdc.deploy("cdc-columns", "cdc_columns_it", "lines,accounts", Map.of("publication.name", "cdc_columns",
                "publication.autocreate.mode", "disabled"));
        cdc.deploy("cdc-gencols", "cdc_columns_it", "lines", Map.of("publication.name", "cdc_gencols",
                "publication.autocreate.mode", "disabled"));
        ChangeLog log = cdc.changeLog("cdc-columns.lines", "cdc-columns.accounts");
        log.await(c -> c.size() == 2, TIMEOUT, "the snapshot rows");
        ChangeLog withGenerated = cdc.changeLog("cdc-gencols.lines");
        withGenerated.await(c -> c.size() == 1, TIMEOUT, "the snapshot row");
        db.useHandle(h -> h.execute("""
                UPDATE lines SET qty = 5 WHERE id = 1;
                INSERT INTO accounts VALUES (2, 'Grace', 'not published either');
                """));
        List<Change> all = log.await(c -> c.size() == 4, TIMEOUT, "the update and the insert");

        // A consumer mirroring the rows must never keep a snapshot value the stream does not update (a generated
        // total), nor see in the snapshot a column the publication leaves out on purpose.
        Map<String, List<String>> ops = Map.of("cdc-columns.lines", List.of("r", "u"),
                "cdc-columns.accounts", List.of("r", "c"));
        for (String topic : ops.keySet()) {
            List<Change> changes = only(all, topic);
            assertEquals(ops.get(topic), changes.stream().map(Change::op).toList());
            assertEquals(changes.get(1).value().schema(), changes.get(0).value().schema(),
                    topic + ": snapshot and stream records have the same columns");
        }
        assertNull(only(all, "cdc-columns.accounts").get(0).value().schema().field("secret"),
                "a column outside the publication's column list");

        // PostgreSQL 18 publishes stored generated columns on request: then snapshot and stream both carry them.
        List<Change> generated = withGenerated.await(c -> c.size() == 2, TIMEOUT, "the update");
        assertEquals(List.of(new BigDecimal("10.00"), new BigDecimal("12.50")),
                generated.stream().map(c -> c.value().get("total")).toList());
        assertEquals(generated.get(0).value().schema(), generated.get(1).value().schema());
    }

    private static List<Change> only(List<Change> changes, String topic) {
        return changes.stream().filter(c -> c.topic().equals(topic)).toList();
    }

    private static Map<Object, List<Object>> asRows(Map<Object, Struct> state) {
        Map<Object, List<Object>> rows = new TreeMap<>();
        state.forEach((id, value) -> rows.put(id, java.util.Arrays.asList(value.get("name"), value.get("city"))));
        return rows;
    }
}
