package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.PostgresServer;
import io.tablestream.testkit.PostgresStandbyPair;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mode=cdc against a hot standby (PostgreSQL 16+ decodes a slot there): the connector writes nothing, the tables,
 * the publication and the signal rows are written on the primary and reach it with the WAL. The incremental
 * snapshot's watermarks are replayed WAL positions: its chunks go out while the primary writes and after it has
 * gone idle.
 */
@ExtendWith(TablestreamStack.class)
class CdcStandbyIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int ROWS = 10_000;
    private static PostgresStandbyPair pair;

    private final Stack stack;

    CdcStandbyIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeAll
    static void startPair() {
        pair = PostgresStandbyPair.start();
    }

    @AfterAll
    static void stopPair() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void incrementalSnapshotAndSignalsOnAHotStandbyWhileThePrimaryWrites() throws Exception {
        String database = "cdc_standby_it";
        String name = "cdc-standby";
        String topic = name + ".items";
        Jdbi primary = itemsAndSignals(pair, database, "cdc_standby");
        Jdbi standby = Jdbi.create(() -> pair.standby().connect(database));

        ChangeLog log = new ChangeLog(stack.kafka().bootstrapServers(), List.of(topic));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger operations = new AtomicInteger();
        CompletableFuture<Void> writer = null;
        try {
            writer = CompletableFuture.runAsync(() -> ConcurrentItemWrites.run(primary, ROWS, stop, operations));
            stack.rest().createOrUpdateConnector(name, config(name, database, Map.of(
                    "signal.data.collection", "public.signals",
                    "incremental.snapshot.chunk.size", "100",
                    "snapshot.max.threads", "2")));
            // The slot on the standby is ready once a record of the primary's running transactions is replayed.
            CdcFixture.awaitCondition("the slot on the standby", TIMEOUT, () -> {
                pair.logStandbySnapshot();
                Pause.millis(200);
                return CdcFixture.slotActive(standby, "cdc_standby");
            });
            stack.rest().awaitRunning(name, TIMEOUT);
            int atStart = operations.get();
            log.await(c -> snapshotIds(c).size() >= ROWS / 2, TIMEOUT, "half of the snapshot");
            stop.set(true);
            writer.get();
            assertTrue(operations.get() > atStart, "the writer ran during the snapshot: " + atStart + " operations"
                    + " before it, " + operations.get() + " in all");

            // The rest of the snapshot goes out with the primary idle: nothing new is written to move the stream.
            Map<Integer, String> table = rows(primary);
            List<Change> changes = log.await(c -> asRows(ChangeLog.finalState(c, topic, "id")).equals(table),
                    TIMEOUT, "the topic's compacted view to equal the table");
            assertEquals(table, asRows(ChangeLog.finalState(changes, topic, "id")));

            // The snapshot's last chunks may read rows the stream sent already: once it is complete, a marker change
            // streamed after them tells its records from those of the signal's snapshot.
            ObjectName tableMetrics = new ObjectName("kafka.connect:type=plugins,connector=" + name
                    + ",task=0,table=public.items");
            CdcFixture.awaitCondition("the snapshot to complete", TIMEOUT,
                    () -> "completed".equals(attribute(tableMetrics, "snapshot-state")));
            primary.useHandle(h -> h.execute("UPDATE items SET v = 'marker' WHERE id = 1"));
            changes = log.await(c -> c.stream().anyMatch(CdcStandbyIT::isMarker), TIMEOUT, "the marker");
            int before = snapshotIds(changes).size();

            // A signal written on the primary reaches the connector through the standby's stream.
            primary.useHandle(h -> h.execute("INSERT INTO signals VALUES ('again', 'execute-snapshot',"
                    + " '{\"data-collections\": [\"public.items\"], \"additional-conditions\": [{\"data-collection\":"
                    + " \"public.items\", \"filter\": \"id % 10 = 0\"}]}')"));
            Map<Integer, String> after = rows(primary);
            List<Integer> expected = after.keySet().stream().filter(id -> id % 10 == 0).toList();
            changes = log.await(c -> snapshotIds(c).size() >= before + expected.size(), TIMEOUT,
                    "the signalled snapshot");
            List<Integer> signalled = snapshotIds(changes).subList(before, snapshotIds(changes).size());
            assertEquals(List.of(), signalled.stream().filter(id -> !expected.contains(id)).toList(), "read, not asked for");
            assertEquals(List.of(), expected.stream().filter(id -> !signalled.contains(id)).toList(), "asked for, not read");
            assertEquals(expected.size(), signalled.size(), "each asked-for row read once");
            assertEquals(after, asRows(ChangeLog.finalState(changes, topic, "id")));
            assertEquals("RUNNING", new CdcFixture(stack).taskState(name));
        } finally {
            stop.set(true);
            if (writer != null) {
                writer.exceptionally(e -> null).get();
            }
            log.close();
            stack.rest().deleteConnectorIfExists(name);
        }
    }

    /**
     * A standby promoted while its incremental snapshot is paused part way (the old primary stopped writing, as in a
     * switchover): the slot survives the promotion, the remaining chunks are read on the new primary with its writes
     * running, and the topic's compacted view equals the new primary's table.
     */
    @Test
    void aStandbyPromotedMidSnapshotGoesOnAsThePrimary() throws Exception {
        String database = "cdc_promoted_it";
        String name = "cdc-promoted";
        String topic = name + ".items";
        try (PostgresStandbyPair promoted = PostgresStandbyPair.start()) {
            Jdbi primary = itemsAndSignals(promoted, database, "cdc_promoted");
            Jdbi standby = Jdbi.create(() -> promoted.standby().connect(database));
            ChangeLog log = new ChangeLog(stack.kafka().bootstrapServers(), List.of(topic));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean stopOnPromoted = new AtomicBoolean();
            AtomicInteger operations = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(
                    () -> ConcurrentItemWrites.run(primary, ROWS, stop, operations));
            try {
                Map<String, String> config = config(promoted, name, database, Map.of(
                        "signal.data.collection", "public.signals",
                        "incremental.snapshot.chunk.size", "100"));
                stack.rest().createOrUpdateConnector(name, config);
                CdcFixture.awaitCondition("the slot on the standby", TIMEOUT, () -> {
                    promoted.logStandbySnapshot();
                    Pause.millis(200);
                    return CdcFixture.slotActive(standby, "cdc_promoted");
                });
                stack.rest().awaitRunning(name, TIMEOUT);
                log.await(c -> snapshotIds(c).size() >= ROWS / 10, TIMEOUT, "a tenth of the snapshot");
                primary.useHandle(h -> h.execute("INSERT INTO signals VALUES ('pause', 'pause-snapshot', null)"));
                ObjectName tableMetrics = new ObjectName("kafka.connect:type=plugins,connector=" + name
                        + ",task=0,table=public.items");
                CdcFixture.awaitCondition("the snapshot to pause", TIMEOUT,
                        () -> "paused".equals(attribute(tableMetrics, "snapshot-state")));
                int readBeforePromotion = snapshotIds(log.await(c -> true, TIMEOUT, "the records so far")).size();

                stop.set(true);
                writer.get();
                promoted.awaitReplayed(TIMEOUT);
                standby.useHandle(h -> h.execute("SELECT pg_promote(true, 60)"));
                assertEquals(false, standby.withHandle(h -> h.createQuery("SELECT pg_is_in_recovery()")
                        .mapTo(Boolean.class).one()), "promoted");

                int nextId = standby.withHandle(h -> h.createQuery("SELECT max(id) + 1 FROM items")
                        .mapTo(Integer.class).one());
                AtomicInteger operationsOnPromoted = new AtomicInteger();
                writer = CompletableFuture.runAsync(() -> ConcurrentItemWrites.run(standby, nextId, 18,
                        stopOnPromoted, operationsOnPromoted));
                standby.useHandle(h -> h.execute("INSERT INTO signals VALUES ('resume', 'resume-snapshot', null)"));
                CdcFixture.awaitCondition("the snapshot to complete on the promoted server", TIMEOUT,
                        () -> "completed".equals(attribute(tableMetrics, "snapshot-state")));
                stopOnPromoted.set(true);
                writer.get();
                assertTrue(operationsOnPromoted.get() > 0, "the promoted server was written during the snapshot");
                assertTrue(readBeforePromotion < ROWS, "paused before the snapshot was read: " + readBeforePromotion);

                Map<Integer, String> table = rows(standby);
                List<Change> changes = log.await(c -> asRows(ChangeLog.finalState(c, topic, "id")).equals(table),
                        TIMEOUT, "the topic's compacted view to equal the promoted server's table");
                assertEquals(table, asRows(ChangeLog.finalState(changes, topic, "id")));
                assertEquals("RUNNING", new CdcFixture(stack).taskState(name));
            } finally {
                stop.set(true);
                stopOnPromoted.set(true);
                writer.exceptionally(e -> null).get();
                log.close();
                stack.rest().deleteConnectorIfExists(name);
            }
        }
    }

    /** The slot's exported snapshot is read on the standby, then the stream goes on from its consistent point. */
    @Test
    void initialSnapshotOnAHotStandby() {
        String database = "cdc_standby_initial_it";
        String name = "cdc-standby-initial";
        String topic = name + ".items";
        Jdbi primary = database(pair.primary(), database);
        primary.useHandle(h -> h.execute("""
                CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL);
                INSERT INTO items SELECT g, 'v' || g, 0 FROM generate_series(1, 500) g;
                CREATE PUBLICATION cdc_standby_initial FOR TABLE items"""));
        pair.awaitReplayed(TIMEOUT);
        Jdbi standby = Jdbi.create(() -> pair.standby().connect(database));
        ChangeLog log = new ChangeLog(stack.kafka().bootstrapServers(), List.of(topic));
        try {
            stack.rest().createOrUpdateConnector(name, config(name, database, Map.of("snapshot.mode", "initial",
                    "publication.autocreate.mode", "disabled")));
            CdcFixture.awaitCondition("the slot on the standby", TIMEOUT, () -> {
                pair.logStandbySnapshot();
                Pause.millis(200);
                return CdcFixture.slotActive(standby, "cdc_standby_initial");
            });
            log.await(c -> snapshotIds(c).size() >= 500, TIMEOUT, "the snapshot");
            primary.useHandle(h -> h.execute("UPDATE items SET v = 'streamed' WHERE id = 7"));
            List<Change> changes = log.await(c -> c.stream().anyMatch(r -> "u".equals(r.op())), TIMEOUT,
                    "the streamed update");
            assertEquals(java.util.stream.IntStream.rangeClosed(1, 500).boxed().toList(),
                    snapshotIds(changes).stream().sorted().toList());
            assertEquals(rows(primary), asRows(ChangeLog.finalState(changes, topic, "id")));
        } finally {
            log.close();
            stack.rest().deleteConnectorIfExists(name);
        }
    }

    /**
     * A publication the connector would have to create (refused by validation) or to alter (the task fails) on the
     * standby: the error names publication.autocreate.mode and the statement to run on the primary.
     */
    @Test
    void aPublicationThatWouldHaveToBeCreatedOrAlteredOnTheStandbyIsRefusedNamingTheFix() {
        String database = "cdc_standby_nopub_it";
        String name = "cdc-standby-nopub";
        Jdbi primary = database(pair.primary(), database);
        primary.useHandle(h -> h.execute("CREATE TABLE items (id int PRIMARY KEY); CREATE TABLE other (id int PRIMARY KEY)"));
        pair.awaitReplayed(TIMEOUT);
        try {
            ConnectRestException refused = assertThrows(ConnectRestException.class,
                    () -> stack.rest().createOrUpdateConnector(name, config(name, database, Map.of())));
            assertTrue(refused.getMessage().contains("hot standby")
                    && refused.getMessage().contains("publication.autocreate.mode=filtered cannot create it")
                    && refused.getMessage().contains("publication.autocreate.mode=disabled"), refused.getMessage());

            primary.useHandle(h -> h.execute("CREATE PUBLICATION cdc_standby_nopub FOR TABLE other"));
            pair.awaitReplayed(TIMEOUT);
            stack.rest().createOrUpdateConnector(name, config(name, database, Map.of()));
            String trace = new CdcFixture(stack).awaitTaskFailure(name);
            assertTrue(trace.contains("hot standby") && trace.contains("publication.autocreate.mode=filtered")
                    && trace.contains("ALTER PUBLICATION \"cdc_standby_nopub\" ADD TABLE \"public\".\"items\"")
                    && trace.contains("publication.autocreate.mode=disabled"), trace);
        } finally {
            stack.rest().deleteConnectorIfExists(name);
        }
    }

    private Map<String, String> config(String name, String database, Map<String, String> extra) {
        return config(pair, name, database, extra);
    }

    private static Map<String, String> config(PostgresStandbyPair pair, String name, String database,
                                              Map<String, String> extra) {
        PostgresServer server = pair.standby();
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "tasks.max", "1",
                "connection.url", server.jdbcUrl(database),
                "connection.user", server.user(),
                "connection.password", server.passwordOrEmpty(),
                "mode", "cdc",
                "table.include.list", "items",
                "topic.prefix", name + ".",
                "slot.name", name.replace('-', '_')));
        config.putAll(extra);
        return config;
    }

    /**
     * A database on the pair's primary with {@value #ROWS} items, a signal table and a publication of both, replayed
     * on the standby; returns the primary's.
     */
    private static Jdbi itemsAndSignals(PostgresStandbyPair pair, String database, String publication) {
        Jdbi primary = database(pair.primary(), database);
        primary.useHandle(h -> h.execute("""
                CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL);
                INSERT INTO items SELECT g, 'v' || g, 0 FROM generate_series(1, %d) g;
                ANALYZE items;
                CREATE TABLE signals (id text PRIMARY KEY, type text NOT NULL, data text);
                CREATE PUBLICATION %s FOR TABLE items, signals WITH (publish_via_partition_root = true)"""
                .formatted(ROWS, publication)));
        pair.awaitReplayed(TIMEOUT);
        return primary;
    }

    private static Jdbi database(PostgresServer server, String name) {
        server.createDatabase(name);
        return Jdbi.create(() -> server.connect(name));
    }

    private static boolean isMarker(Change change) {
        return change.value() != null && "marker".equals(change.value().get("v"));
    }

    private static Object attribute(ObjectName name, String attribute) {
        try {
            return ManagementFactory.getPlatformMBeanServer().getAttribute(name, attribute);
        } catch (InstanceNotFoundException e) {
            return null; // not registered yet
        } catch (JMException e) {
            throw new IllegalStateException(name + " " + attribute + ": " + e, e);
        }
    }

    private static Map<Integer, String> rows(Jdbi db) {
        Map<Integer, String> rows = new TreeMap<>();
        db.useHandle(h -> h.createQuery("SELECT id, v, n FROM items").map((rs, ctx) ->
                rows.put(rs.getInt(1), rs.getString(2) + "/" + rs.getInt(3))).list());
        return rows;
    }

    private static Map<Integer, String> asRows(Map<Object, Struct> state) {
        Map<Integer, String> rows = new TreeMap<>();
        state.forEach((id, value) -> rows.put((Integer) id, value.get("v") + "/" + value.get("n")));
        return rows;
    }

    private static List<Integer> snapshotIds(List<Change> changes) {
        return changes.stream().filter(c -> "r".equals(c.op())).map(c -> (Integer) c.keyField("id")).toList();
    }
}
