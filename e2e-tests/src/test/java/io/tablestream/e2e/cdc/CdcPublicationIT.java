package io.tablestream.e2e.cdc;

import io.tablestream.e2e.ValidationErrors;
import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static io.tablestream.e2e.reliability.Fixtures.connectorStateAndTrace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which tables a mode=cdc connector captures and how several connectors share a database's publications. */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcPublicationIT(Stack stack, CdcFixture cdc) {

    @Test
    void connectorsOnOneDatabaseNeverTakeEachOthersTables() {
        Jdbi db = cdc.database("cdc_publications_it", """
                CREATE TABLE a (id int PRIMARY KEY);
                CREATE TABLE b (id int PRIMARY KEY);
                CREATE TABLE c (id int PRIMARY KEY);
                CREATE TABLE d (id int PRIMARY KEY);
                """);
        // The default publication: each connector gets its own, named after its slot.
        cdc.deploy("cdc-pub-a", "cdc_publications_it", "a", Map.of());
        cdc.deploy("cdc-pub-b", "cdc_publications_it", "b", Map.of());
        // One publication named by both: the second connector adds its table, never removes the first one's.
        cdc.deploy("cdc-pub-c", "cdc_publications_it", "c", Map.of("publication.name", "shared"));
        cdc.deploy("cdc-pub-d", "cdc_publications_it", "d", Map.of("publication.name", "shared"));
        db.useHandle(h -> h.execute("""
                INSERT INTO a VALUES (1);
                INSERT INTO b VALUES (2);
                INSERT INTO c VALUES (3);
                INSERT INTO d VALUES (4);
                """));

        for (String table : List.of("a", "b", "c", "d")) {
            List<Change> changes = cdc.changeLog("cdc-pub-" + table + "." + table)
                    .await(c -> !c.isEmpty(), TIMEOUT, "the insert into " + table);
            assertEquals("c", changes.get(0).op());
        }
        assertEquals(Map.of("cdc_pub_a", Set.of("a"), "cdc_pub_b", Set.of("b"), "shared", Set.of("c", "d")),
                db.withHandle(h -> h.createQuery("SELECT pubname, tablename FROM pg_publication_tables")
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).list()).stream()
                        .collect(Collectors.groupingBy(Map.Entry::getKey,
                                Collectors.mapping(Map.Entry::getValue, Collectors.toSet()))));

        // A publication managed by hand that lacks a captured table: its snapshot would arrive, its changes never.
        String trace = cdc.deployAndAwaitTaskFailure("cdc-pub-e", "cdc_publications_it", "a,c",
                Map.of("publication.name", "shared", "publication.autocreate.mode", "disabled"));
        assertTrue(trace.contains("Publication shared does not publish [public.a]")
                && trace.contains("ALTER PUBLICATION \"shared\" ADD TABLE \"public\".\"a\""), trace);

        // A partitioned table published under its partitions' names is a member: the fix is another.
        db.useHandle(h -> h.execute("""
                CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id);
                CREATE TABLE p_1 PARTITION OF p FOR VALUES FROM (0) TO (100);
                CREATE PUBLICATION by_partitions FOR TABLE p;
                """));
        trace = cdc.deployAndAwaitTaskFailure("cdc-pub-f", "cdc_publications_it", "p",
                Map.of("publication.name", "by_partitions", "publication.autocreate.mode", "disabled"));
        assertTrue(trace.contains("SET (publish_via_partition_root = true)") && !trace.contains("ADD TABLE"), trace);
    }

    @Test
    void thePublicationTheConnectorCreatesSendsStoredGeneratedColumns() {
        // PostgreSQL 18 refuses an UPDATE or DELETE of a table whose replica identity holds a stored generated column
        // its publication does not send: a publication without them would break the application's writes.
        Jdbi db = cdc.database("cdc_pub_gencols_it", """
                CREATE TABLE lines (id int PRIMARY KEY, price numeric(10,2) NOT NULL, qty int NOT NULL,
                                    total numeric(12,2) GENERATED ALWAYS AS (price * qty) STORED);
                ALTER TABLE lines REPLICA IDENTITY FULL;
                INSERT INTO lines (id, price, qty) VALUES (1, 2.50, 4);
                """);
        cdc.deploy("cdc-pub-gencols", "cdc_pub_gencols_it", "lines", Map.of());
        ChangeLog log = cdc.changeLog("cdc-pub-gencols.lines");
        log.await(c -> c.size() == 1, TIMEOUT, "the snapshot row");
        db.useHandle(h -> h.execute("UPDATE lines SET qty = 5 WHERE id = 1"));
        db.useHandle(h -> h.execute("DELETE FROM lines WHERE id = 1"));

        List<Change> changes = log.await(c -> c.size() == 3, TIMEOUT, "the update and the delete");
        assertEquals(List.of("r", "u", "d"), changes.stream().map(Change::op).toList());
        assertEquals(List.of(new java.math.BigDecimal("10.00"), new java.math.BigDecimal("12.50")),
                changes.subList(0, 2).stream().map(c -> c.value().get("total")).toList(),
                "snapshot and stream carry the stored generated column, as the polling modes do");
        assertEquals(changes.get(0).value().schema(), changes.get(1).value().schema());
    }

    @Test
    void includeAndExcludeListsTakeRegularExpressionsAsInThePollingModes() {
        Jdbi db = cdc.database("cdc_selection_it", """
                CREATE SCHEMA sales;
                CREATE TABLE sales.orders (id int PRIMARY KEY);
                CREATE TABLE sales.refunds (id int PRIMARY KEY);
                CREATE TABLE sales.audit_log (id int PRIMARY KEY);
                CREATE TABLE public.orders (id int PRIMARY KEY);
                INSERT INTO sales.orders VALUES (1);
                INSERT INTO sales.audit_log VALUES (1);
                INSERT INTO public.orders VALUES (1);
                """);
        cdc.deploy("cdc-select", "cdc_selection_it", "sales\\..*",
                Map.of("table.exclude.list", ".*audit.*", "table.poll.interval.ms", "500"));
        db.useHandle(h -> h.execute("""
                INSERT INTO sales.refunds VALUES (2);
                INSERT INTO sales.audit_log VALUES (2);
                INSERT INTO public.orders VALUES (2);
                """));
        ChangeLog log = cdc.changeLog("cdc-select.sales.orders", "cdc-select.sales.refunds",
                "cdc-select.sales.audit_log", "cdc-select.orders");
        List<Change> changes = log.await(c -> c.size() >= 2, TIMEOUT, "the snapshot row and the streamed insert");
        // A marker written after the others: once it is in, everything before it would be too.
        db.useHandle(h -> h.execute("INSERT INTO sales.orders VALUES (3)"));
        changes = log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(3)), TIMEOUT, "the marker");
        assertEquals(List.of("cdc-select.sales.orders c 3", "cdc-select.sales.orders r 1",
                        "cdc-select.sales.refunds c 2"),
                changes.stream().map(c -> c.topic() + " " + c.op() + " " + c.keyField("id")).sorted().toList());

        // A table created later that matches: the connector restarts its task, which adds it to the publication.
        db.useHandle(h -> h.execute("CREATE TABLE sales.returns (id int PRIMARY KEY)"));
        CdcFixture.awaitCondition("sales.returns in the publication", () -> db.withHandle(h -> h.createQuery(
                "SELECT count(*) = 1 FROM pg_publication_tables WHERE schemaname = 'sales' AND tablename = 'returns'")
                .mapTo(Boolean.class).one()));
        db.useHandle(h -> h.execute("INSERT INTO sales.returns VALUES (4)"));
        List<Change> returns = cdc.changeLog("cdc-select.sales.returns").await(c -> !c.isEmpty(), TIMEOUT,
                "the insert into the new table");
        assertEquals("c 4", returns.get(0).op() + " " + returns.get(0).keyField("id"));

        // A table dropped and created again under the same name leaves the publication with the old one: its rows
        // written before the restarted task adds it again are read as for a new table, whatever the old one's
        // snapshot had done.
        db.useHandle(h -> h.execute("""
                DROP TABLE sales.refunds;
                CREATE TABLE sales.refunds (id int PRIMARY KEY);
                INSERT INTO sales.refunds VALUES (5);
                """));
        log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(5)), TIMEOUT,
                "the row written into the re-created table before it joined the publication");

        // A table swap: the captured table renamed out of the selection, another renamed into its place, which is
        // read as a re-created table; the old table's changes are not the captured table's any more.
        db.useTransaction(h -> h.execute("""
                CREATE TABLE sales.orders_next (id int PRIMARY KEY);
                INSERT INTO sales.orders_next VALUES (1), (3), (6);
                ALTER TABLE sales.orders RENAME TO orders_audit_before;
                ALTER TABLE sales.orders_next RENAME TO orders;
                DELETE FROM sales.orders_audit_before;
                """));
        List<Change> orders = log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(6)), TIMEOUT,
                "the rows of the table swapped in").stream().filter(c -> c.topic().equals("cdc-select.sales.orders"))
                .toList();
        assertEquals(List.of(), orders.stream().filter(c -> "d".equals(c.op())).toList(),
                "deletes of the table swapped out");
    }

    /**
     * Topic names join schema and table with a dot: public."sales.orders" would write to the topic of sales.orders.
     * A table created while the connector runs whose topic clashes fails the connector, naming both tables and the
     * fix, instead of joining the stream (its rows never reach the topic); a task started then fails likewise, and
     * validation refuses the config.
     */
    @Test
    void aTableWhoseNameJoinsToACapturedTablesTopicIsRefusedNotMerged() {
        Jdbi db = cdc.database("cdc_clash_it", """
                CREATE SCHEMA sales;
                CREATE TABLE sales.orders (id int PRIMARY KEY);
                INSERT INTO sales.orders VALUES (1);
                """);
        String name = "cdc-clash";
        Map<String, String> config = cdc.deploy(name, "cdc_clash_it", "sales[.]orders",
                Map.of("table.poll.interval.ms", "500"));
        ChangeLog log = cdc.changeLog("cdc-clash.sales.orders");
        log.await(c -> !c.isEmpty(), TIMEOUT, "the snapshot row");

        db.useHandle(h -> h.execute("""
                CREATE TABLE public."sales.orders" (id int PRIMARY KEY);
                INSERT INTO public."sales.orders" VALUES (2);
                """));
        List<Change> changes = log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(2))
                || "FAILED".equals(connectorStateAndTrace(stack.rest(), name).get(0)), TIMEOUT,
                "the connector to fail, or the new table's row in the topic");
        db.useHandle(h -> h.execute("INSERT INTO sales.orders VALUES (3)"));
        changes = log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(3)), TIMEOUT,
                "the captured table's next row");
        assertEquals(List.of(1, 3), changes.stream().map(c -> c.keyField("id")).toList(),
                "the rows in cdc-clash.sales.orders");
        String refusal = "selects tables \"public\".\"sales.orders\" and \"sales\".\"orders\", which would both"
                + " write to topic \"cdc-clash.sales.orders\"";
        String trace = connectorStateAndTrace(stack.rest(), name).get(1);
        assertTrue(trace.contains(refusal) && trace.contains("leave out \"public\".\"sales.orders\", the table that"
                + " appeared while the connector ran"), trace);

        stack.rest().restartTask(name, 0);
        String taskTrace = cdc.awaitTaskFailure(name);
        assertTrue(taskTrace.contains(refusal), taskTrace);
        List<String> errors = ValidationErrors.errors(stack.rest().validate("PostgresSourceConnector", config),
                "table.include.list");
        assertTrue(errors.size() == 1 && errors.get(0).startsWith("table.include.list=sales[.]orders " + refusal),
                errors.toString());
    }

    /**
     * A partition is captured through its partitioned table, so its own name cannot clash: partitioned table events
     * has a partition named public."sales.orders" (whose name joins to the topic of sales.orders), and the connector
     * captures events and sales.orders, each on its own topic.
     */
    @Test
    void aPartitionNamedLikeACapturedTableDoesNotClash() {
        Jdbi db = cdc.database("cdc_partition_name_it", """
                CREATE SCHEMA sales;
                CREATE TABLE sales.orders (id int PRIMARY KEY);
                INSERT INTO sales.orders VALUES (1);
                CREATE TABLE events (id int PRIMARY KEY) PARTITION BY RANGE (id);
                CREATE TABLE public."sales.orders" PARTITION OF events FOR VALUES FROM (0) TO (100);
                INSERT INTO events VALUES (2);
                """);
        cdc.deploy("cdc-partition-name", "cdc_partition_name_it", "events,sales[.]orders",
                Map.of("table.poll.interval.ms", "500"));
        ChangeLog orders = cdc.changeLog("cdc-partition-name.sales.orders");
        ChangeLog events = cdc.changeLog("cdc-partition-name.events");
        orders.await(c -> !c.isEmpty(), TIMEOUT, "the snapshot of sales.orders");
        events.await(c -> !c.isEmpty(), TIMEOUT, "the snapshot of events");
        db.useHandle(h -> h.execute("INSERT INTO sales.orders VALUES (3); INSERT INTO events VALUES (4)"));
        assertEquals(List.of(1, 3), orders.await(c -> c.size() >= 2, TIMEOUT, "the stream of sales.orders").stream()
                .map(c -> c.keyField("id")).toList(), "the rows in cdc-partition-name.sales.orders");
        assertEquals(List.of(2, 4), events.await(c -> c.size() >= 2, TIMEOUT, "the stream of events").stream()
                .map(c -> c.keyField("id")).toList(), "the rows in cdc-partition-name.events");
        assertEquals("RUNNING", connectorStateAndTrace(stack.rest(), "cdc-partition-name").get(0));
    }

    /**
     * Drops t and creates it again with rows 10 and 11 while a signal pauses the snapshot, restarts the task between
     * the new t joining the publication and its first chunk (a rebalance, say), then resumes the snapshot and
     * inserts row 12.
     */
    private void reCreateTAndRestartWhilePaused(Jdbi db, String name) {
        db.useHandle(h -> h.execute("""
                DROP TABLE t;
                CREATE TABLE t (id int PRIMARY KEY);
                INSERT INTO t VALUES (10), (11);
                """));
        CdcFixture.awaitCondition("the re-created t in the publication", () -> db.withHandle(h -> h.createQuery(
                "SELECT count(*) = 1 FROM pg_publication_tables WHERE tablename = 't'").mapTo(Boolean.class).one()));
        cdc.stopAndAwaitSlotReleased(name, db);
        // Else the new t could have been read before the restart, and what follows would test nothing.
        String offsets = stack.rest().offsets(name).toString();
        assertTrue(offsets.contains("\"paused\":true"), "the stored offset holds the pause: " + offsets);
        stack.rest().resumeConnector(name);
        stack.rest().awaitRunning(name, TIMEOUT);
        db.useHandle(h -> h.execute("INSERT INTO signals VALUES ('r', 'resume-snapshot', null)"));
        db.useHandle(h -> h.execute("INSERT INTO t VALUES (12)"));
    }

    @Test
    void aReCreatedTableIsReadAgainThoughTheTaskRestartsBeforeItsFirstChunk() {
        Jdbi db = cdc.database("cdc_recreated_restart_it", """
                CREATE TABLE signals (id text PRIMARY KEY, type text NOT NULL, data text);
                CREATE TABLE t (id int PRIMARY KEY);
                CREATE TABLE marks (id int PRIMARY KEY);
                INSERT INTO t VALUES (1), (2);
                """);
        String name = "cdc-recreated-restart";
        cdc.deploy(name, "cdc_recreated_restart_it", "t,marks", Map.of("signal.data.collection", "signals",
                "table.poll.interval.ms", "500"));
        ChangeLog log = cdc.changeLog(name + ".t", name + ".marks");
        log.await(c -> c.stream().filter(r -> r.topic().endsWith(".t")).count() == 2, TIMEOUT, "the first snapshot");
        // Paused, the re-created table waits behind the pause: no chunk of it is read before the restart below.
        db.useHandle(h -> h.execute("INSERT INTO signals VALUES ('p', 'pause-snapshot', null)"));
        db.useHandle(h -> h.execute("INSERT INTO marks VALUES (1)")); // streamed after the signal: it was applied
        log.await(c -> c.stream().anyMatch(r -> r.topic().endsWith(".marks")), TIMEOUT, "the mark after the pause");

        reCreateTAndRestartWhilePaused(db, name);

        List<Change> changes = log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(12)), TIMEOUT,
                "the insert into the re-created table");
        log.await(c -> c.stream().map(r -> r.keyField("id")).collect(Collectors.toSet())
                        .containsAll(List.of(10, 11)), TIMEOUT,
                "the rows of the re-created table written before it joined the publication, after " + changes);
    }

    @Test
    void aReCreatedTableWhoseOldTableWasEmptyIsReadAgainThoughTheTaskRestartsBeforeItsFirstChunk() {
        Jdbi db = cdc.database("cdc_recreated_empty_it", """
                CREATE TABLE signals (id text PRIMARY KEY, type text NOT NULL, data text);
                CREATE TABLE t (id int PRIMARY KEY);
                CREATE TABLE marks (id int PRIMARY KEY);
                """);
        String name = "cdc-recreated-empty";
        cdc.deploy(name, "cdc_recreated_empty_it", "t,marks", Map.of("signal.data.collection", "signals",
                "table.poll.interval.ms", "500"));
        ChangeLog log = cdc.changeLog(name + ".t", name + ".marks");
        // The empty t read to its end left no record to carry its progress: only the stream's offset says it is read,
        // once a streamed change after it is committed.
        java.util.concurrent.atomic.AtomicInteger mark = new java.util.concurrent.atomic.AtomicInteger(1000);
        CdcFixture.awaitCondition("the stream's offset to list t as read", () -> {
            db.useHandle(h -> h.execute("INSERT INTO marks VALUES (?)", mark.incrementAndGet()));
            Pause.millis(200);
            return stack.rest().offsets(name).toString().contains("\"public.t\"");
        });
        // Paused, the re-created table waits behind the pause: no chunk of it is read before the restart below.
        db.useHandle(h -> h.execute("INSERT INTO signals VALUES ('p', 'pause-snapshot', null)"));
        int afterPause = mark.incrementAndGet();
        db.useHandle(h -> h.execute("INSERT INTO marks VALUES (?)", afterPause));
        log.await(c -> c.stream().anyMatch(r -> r.topic().endsWith(".marks") && r.keyField("id").equals(afterPause)),
                TIMEOUT, "the mark after the pause");

        reCreateTAndRestartWhilePaused(db, name);

        List<Change> changes = log.await(c -> c.stream().anyMatch(r -> r.topic().endsWith(".t")
                && r.keyField("id").equals(12)), TIMEOUT, "the insert into the re-created table");
        log.await(c -> c.stream().filter(r -> r.topic().endsWith(".t")).map(r -> r.keyField("id"))
                        .collect(Collectors.toSet()).containsAll(List.of(10, 11)), TIMEOUT,
                "the rows of the re-created table written before it joined the publication, after " + changes);
    }

    @Test
    void aTablePublishedForAllTablesThatTheConnectorsUserMayNotReadIsNotStreamed() {
        // Without an include list every table the user may read is captured; a publication FOR ALL TABLES also
        // sends the others' changes, which must stay out of Kafka as the snapshot keeps their rows out.
        Jdbi db = cdc.database("cdc_unreadable_it", """
                CREATE TABLE open_rows (id int PRIMARY KEY);
                CREATE TABLE secret_rows (id int PRIMARY KEY, secret text NOT NULL);
                CREATE PUBLICATION everything FOR ALL TABLES WITH (publish_via_partition_root = true);
                DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_narrow') THEN
                  CREATE ROLE cdc_narrow LOGIN REPLICATION; END IF; END $$;
                GRANT SELECT ON open_rows TO cdc_narrow;
                """);
        String name = "cdc-unreadable";
        cdc.deploy(name, "cdc_unreadable_it", "", Map.of("publication.name", "everything",
                "publication.autocreate.mode", "disabled", "connection.user", "cdc_narrow", "connection.password", ""));
        ChangeLog log = cdc.changeLog(name + ".open_rows", name + ".secret_rows");
        db.useHandle(h -> h.execute("INSERT INTO secret_rows VALUES (1, 'not for the connector')"));
        db.useHandle(h -> h.execute("INSERT INTO open_rows VALUES (1)"));
        db.useHandle(h -> h.execute("INSERT INTO secret_rows VALUES (2, 'not for the connector')"));
        db.useHandle(h -> h.execute("INSERT INTO open_rows VALUES (2)"));

        List<Change> changes = log.await(c -> c.stream().filter(r -> r.topic().endsWith(".open_rows")).count() == 2,
                TIMEOUT, "the readable table's inserts");
        assertEquals(List.of(), changes.stream().filter(r -> r.topic().endsWith(".secret_rows")).toList(),
                "nothing of a table the connector's user may not SELECT");
    }

    @Test
    void addingATableWhoseIdentityHoldsAnUnpublishedGeneratedColumnIsRefusedBeforeItBreaksItsWrites() {
        // PostgreSQL 18 refuses UPDATE and DELETE of a published table whose replica identity has a column the
        // publication does not publish: the task must not add such a table to an existing publication.
        Jdbi db = cdc.database("cdc_generated_identity_it", """
                CREATE TABLE other (id int PRIMARY KEY);
                CREATE PUBLICATION existing FOR TABLE other;
                CREATE TABLE boxes (id int PRIMARY KEY, side int NOT NULL,
                                    volume int GENERATED ALWAYS AS (side * side * side) STORED);
                ALTER TABLE boxes REPLICA IDENTITY FULL;
                INSERT INTO boxes (id, side) VALUES (1, 2);
                """);
        String trace = cdc.deployAndAwaitTaskFailure("cdc-generated-identity", "cdc_generated_identity_it", "boxes",
                Map.of("publication.name", "existing"));

        assertTrue(trace.contains("public.boxes") && trace.contains(
                "ALTER PUBLICATION \"existing\" SET (publish_generated_columns = stored)"), trace);
        db.useHandle(h -> h.execute("UPDATE boxes SET side = 3 WHERE id = 1")); // the application's writes still work
        assertEquals(List.of("other"), db.withHandle(h -> h.createQuery(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = 'existing'").mapTo(String.class).list()));
    }

    @Test
    void aConnectorThatStreamedTheFormerDefaultPublicationKeepsIt() {
        Jdbi db = cdc.database("cdc_former_publication_it", "CREATE TABLE t (id int PRIMARY KEY)");
        String name = "cdc-former-pub";
        // Streaming only: what matters is which publication the slot streams, not the table's rows.
        Map<String, String> config = cdc.deploy(name, "cdc_former_publication_it", "t",
                Map.of("publication.name", "tablestream", "snapshot.mode", "never"));
        ChangeLog log = cdc.changeLog(name + ".t");
        db.useHandle(h -> h.execute("INSERT INTO t VALUES (1)"));
        log.await(c -> c.size() == 1, TIMEOUT, "the first insert");

        cdc.stopAndAwaitSlotReleased(name, db);
        db.useHandle(h -> h.execute("INSERT INTO t VALUES (2)")); // in WAL from before any new publication
        config.remove("publication.name");
        stack.rest().createOrUpdateConnector(name, config);
        stack.rest().resumeConnector(name);
        stack.rest().awaitRunning(name, TIMEOUT);
        db.useHandle(h -> h.execute("INSERT INTO t VALUES (3)"));

        assertEquals(List.of(1, 2, 3), log.await(c -> c.size() == 3, TIMEOUT, "the inserts while stopped and after")
                .stream().map(c -> c.keyField("id")).toList());
        assertEquals(List.of("tablestream"), db.withHandle(h -> h.createQuery("SELECT pubname FROM pg_publication")
                .mapTo(String.class).list()));
    }
}
