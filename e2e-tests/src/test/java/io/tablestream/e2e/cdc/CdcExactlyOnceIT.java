package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mode=cdc on a worker with {@code exactly.once.source.support=enabled} and the connector's
 * {@code transaction.boundary=connector}: each database transaction is one Kafka transaction, and a worker
 * SIGKILLed while transactions stream in is replaced without losing or duplicating a change (and, without
 * exactly-once, without losing one). The workers are forked (so they can be killed) with their own group and
 * internal topics; the shared worker is not used.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcExactlyOnceIT(Stack stack, CdcFixture cdc) {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int ROWS_PER_TRANSACTION = 5;
    static final String LARGE_SNAPSHOT_ROWS = "tablestream.it.cdc.eos.snapshot.rows";
    static final String LARGE_UPDATE_ROWS = "tablestream.it.cdc.eos.update.rows";

    /** An exactly-once worker; a replacement can take over once a killed one's group session expires (6 s). */
    private ConnectWorker eosWorker(String groupId) {
        return worker(groupId, true);
    }

    private ConnectWorker worker(String groupId, boolean exactlyOnce) {
        Map<String, String> overrides = new HashMap<>(Map.of("group.id", groupId,
                "session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"));
        if (exactlyOnce) {
            overrides.put("exactly.once.source.support", "enabled");
        }
        return ConnectWorker.startForked(stack.kafka().bootstrapServers(), overrides);
    }

    private Map<String, String> connector(String name, String database, String tables) {
        return CdcFixture.config(stack, name, database, tables, Map.of(
                "publication.name", name.replace('-', '_'),
                "exactly.once.support", "required",
                "transaction.boundary", "connector"));
    }

    @Test
    void eachDatabaseTransactionIsOneKafkaTransaction() {
        String database = "cdc_eos_tx_it";
        Jdbi db = cdc.database(database, """
                CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL, note text);
                CREATE TABLE order_lines (order_id int, line int, sku text NOT NULL, PRIMARY KEY (order_id, line));
                INSERT INTO orders VALUES (0, 5, 'before the slot');
                """);
        ChangeLog log = cdc.changeLog("cdc-eos-tx.orders", "cdc-eos-tx.order_lines");
        ConnectWorker worker = eosWorker("cdc-eos-tx-it");
        try {
            worker.rest().createOrUpdateConnector("cdc-eos-tx", connector("cdc-eos-tx", database, "orders,order_lines"));
            worker.rest().awaitRunning("cdc-eos-tx", TIMEOUT);

            // txid (32 bits, as pgoutput sends it) -> what the transaction changed
            Map<Long, List<String>> expected = new TreeMap<>();
            expected.put(0L, List.of("orders r id=0 id=0,amount=5,note=before the slot"));
            for (int t = 1; t <= 12; t++) {
                int order = t;
                List<String> changes = new ArrayList<>();
                long xid = db.inTransaction(h -> {
                    h.execute("INSERT INTO orders VALUES (?, ?, ?)", order, order * 10, "order " + order);
                    changes.add("orders c id=" + order + " id=" + order + ",amount=" + order * 10 + ",note=order " + order);
                    for (int line = 1; line <= 1 + order % 4; line++) {
                        h.execute("INSERT INTO order_lines VALUES (?, ?, ?)", order, line, "sku-" + order + "-" + line);
                        changes.add("order_lines c order_id=" + order + ",line=" + line + " order_id=" + order
                                + ",line=" + line + ",sku=sku-" + order + "-" + line);
                    }
                    if (order % 3 == 0) { // touch the previous order: an update and a delete in the same transaction
                        int previous = order - 1;
                        h.execute("UPDATE orders SET amount = amount + 1 WHERE id = ?", previous);
                        changes.add("orders u id=" + previous + " id=" + previous + ",amount=" + (previous * 10 + 1)
                                + ",note=order " + previous);
                        h.execute("DELETE FROM order_lines WHERE order_id = ? AND line = 1", previous);
                        String key = "order_id=" + previous + ",line=1";
                        changes.add("order_lines d " + key + " null");
                    }
                    return h.createQuery("SELECT txid_current() % 4294967296").mapTo(Long.class).one();
                });
                expected.put(xid, changes.stream().sorted().toList());
            }
            int total = expected.values().stream().mapToInt(List::size).sum();
            List<Change> read = log.await(c -> c.size() >= total, TIMEOUT, total + " records");

            Map<Long, List<String>> actual = read.stream().collect(Collectors.groupingBy(
                    c -> Long.parseLong(c.headers().get("txid")), TreeMap::new,
                    Collectors.collectingAndThen(Collectors.toList(),
                            l -> l.stream().map(CdcExactlyOnceIT::describe).sorted().toList())));
            assertEquals(expected, actual, "the records of each database transaction");
            assertOneKafkaTransactionPerDatabaseTransaction(read);
            worker.rest().deleteConnector("cdc-eos-tx");
        } finally {
            worker.stop();
        }
    }

    /**
     * A large snapshot (many bounded Kafka transactions) and one large UPDATE (split into several Kafka transactions
     * once it has run for half the producer's transaction.timeout.ms) both arrive whole, each row exactly once, at
     * the default transaction timeout. Small by default; {@value #LARGE_SNAPSHOT_ROWS} and {@value #LARGE_UPDATE_ROWS}
     * (system properties, e.g. 3000000 and 1000000) run it at full size by hand.
     */
    @Test
    void aLargeSnapshotAndALargeUpdateArriveEachRowOnce() {
        long snapshotRows = Long.getLong(LARGE_SNAPSHOT_ROWS, 5_000);
        long updateRows = Math.min(snapshotRows, Long.getLong(LARGE_UPDATE_ROWS, 5_000));
        Duration timeout = Duration.ofSeconds(60 + snapshotRows / 2_000);
        String name = "cdc-eos-large";
        String database = "cdc_eos_large_it";
        String topic = name + ".big";
        Jdbi db = cdc.database(database, "CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL);"
                + "INSERT INTO big SELECT i, 'row ' || i FROM generate_series(0, " + (snapshotRows - 1) + ") i");
        ConnectWorker worker = eosWorker("cdc-eos-large-it");
        try (OnceCounter counter = new OnceCounter(stack.kafka().bootstrapServers(), topic)) {
            long start = System.nanoTime();
            worker.rest().createOrUpdateConnector(name, connector(name, database, "big"));
            counter.await("r", snapshotRows, timeout);
            long snapshotMs = (System.nanoTime() - start) / 1_000_000;

            start = System.nanoTime();
            db.useHandle(h -> h.execute("UPDATE big SET payload = 'updated' WHERE id < " + updateRows));
            counter.await("u", updateRows, timeout);
            long updateMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("exactly-once: %,d-row snapshot in %,d ms, %,d-row UPDATE in %,d ms (from its start)%n",
                    snapshotRows, snapshotMs, updateRows, updateMs);
            assertEquals(Map.of("r", snapshotRows, "u", updateRows), counter.records(), "records, each row once");
            worker.rest().deleteConnector(name);
        } finally {
            worker.stop();
        }
    }

    @Test
    void aWorkerKilledMidStreamIsReplacedWithoutLosingOrDuplicatingAChange() throws Exception {
        try (KillScenario scenario = new KillScenario("cdc-eos-kill", this::eosWorker)) {
            Map<String, String> config = scenario.connectorConfig();
            // The killed worker's open Kafka transaction holds back read_committed readers until the broker
            // aborts it: after this, not the default 60 s (the broker checks every 10 s).
            config.put("producer.override.transaction.timeout.ms", "3000");
            scenario.deployAndStartWriting(config);
            Kill kill = scenario.killMidStream();
            List<Change> read = scenario.replaceAndReadAll();
            scenario.assertEveryChangeWithOneLsn(read);
            assertEquals(scenario.changes(), read.size(), "records, each change exactly once");
            scenario.assertTopicIsTheTable(read);
            scenario.assertSlotConfirmedNothingKafkaLacked(read, kill);
            scenario.deleteConnector();
        }
    }

    /** Without exactly-once: at least once, a replayed change carries the same lsn header, nothing is lost. */
    @Test
    void withoutExactlyOnceAKilledWorkerLosesNothing() throws Exception {
        try (KillScenario scenario = new KillScenario("cdc-alo-kill", groupId -> worker(groupId, false))) {
            Map<String, String> config = scenario.connectorConfig();
            config.remove("exactly.once.support");
            config.remove("transaction.boundary");
            scenario.deployAndStartWriting(config);
            Kill kill = scenario.killMidStream();
            List<Change> read = scenario.replaceAndReadAll();
            scenario.assertEveryChangeWithOneLsn(read);
            scenario.assertTopicIsTheTable(read);
            scenario.assertSlotConfirmedNothingKafkaLacked(read, kill);
            scenario.deleteConnector();
        }
    }

    /** What was known when the first worker was killed. */
    private record Kill(String confirmedLsn, int batchesInKafka) {
    }

    /**
     * A connector streaming transactions from a writer on a forked worker that is SIGKILLed mid-stream and replaced
     * by a second worker of the same group; its phases are called by each test in order.
     */
    private final class KillScenario implements AutoCloseable {
        private final String name;
        private final String slot;
        private final String database;
        private final String topic;
        private final Function<String, ConnectWorker> workers;
        private final Jdbi db;
        private final ChangeLog log;
        private final AtomicBoolean stopWriting = new AtomicBoolean();
        private final AtomicInteger batches = new AtomicInteger();
        private CompletableFuture<Void> writer;
        private ConnectWorker first;
        private ConnectWorker second;
        private int written;

        KillScenario(String name, Function<String, ConnectWorker> workers) {
            this.name = name;
            this.slot = name.replace('-', '_');
            this.database = slot + "_it";
            this.topic = name + ".events";
            this.workers = workers;
            db = cdc.database(database, "CREATE TABLE events (id int PRIMARY KEY, batch int NOT NULL, payload text NOT NULL)");
            log = cdc.changeLog(topic);
        }

        /** The exactly-once connector config, to adjust before {@link #deployAndStartWriting}. */
        Map<String, String> connectorConfig() {
            return new HashMap<>(connector(name, database, "events"));
        }

        /** Deploys on the first worker, then writes one transaction every ~20 ms until 30 have streamed. */
        void deployAndStartWriting(Map<String, String> config) {
            first = workers.apply(name + "-it");
            first.rest().createOrUpdateConnector(name, config);
            first.rest().awaitRunning(name, TIMEOUT);
            // Each transaction: 5 inserts and an update of the previous transaction's first row.
            writer = CompletableFuture.runAsync(() -> {
                while (!stopWriting.get()) {
                    int batch = batches.get() + 1;
                    db.useTransaction(h -> {
                        for (int i = 0; i < ROWS_PER_TRANSACTION; i++) {
                            int id = batch * ROWS_PER_TRANSACTION + i;
                            h.execute("INSERT INTO events VALUES (?, ?, ?)", id, batch, "p-" + id);
                        }
                        h.execute("UPDATE events SET payload = 'u-' || id WHERE id = ?", (batch - 1) * ROWS_PER_TRANSACTION);
                    });
                    batches.set(batch);
                    Pause.millis(20);
                }
            });
            log.await(c -> maxBatch(c) >= 30, TIMEOUT, "30 transactions streamed");
        }

        /** Kills the first worker once it has committed a streaming offset, while the writer is ahead of Kafka. */
        Kill killMidStream() {
            // Killed before its first offset commit, a connector has no stored position and reads the snapshot
            // again on a new slot (a documented limit); this test is about a kill mid-stream after one.
            CdcFixture.awaitCondition("a committed streaming offset", () -> committedStreamingOffset(first, name));
            first.kill();
            // Once PostgreSQL has noticed, the slot's confirmed position is final until the replacement starts.
            CdcFixture.awaitCondition("the killed worker's slot to turn inactive",
                    () -> !CdcFixture.slotActive(db, slot));
            String confirmedAtKill = db.withHandle(h -> h.createQuery(
                    "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")
                    .bind(0, slot).mapTo(String.class).one());
            int inKafkaAtKill = maxBatch(log.readCommitted(TIMEOUT));
            assertTrue(batches.get() > inKafkaAtKill, "the writer was still ahead of Kafka at the kill");
            return new Kill(confirmedAtKill, inKafkaAtKill);
        }

        /** Starts the replacement, stops the writer once 20 more transactions streamed, and reads them all. */
        List<Change> replaceAndReadAll() throws Exception {
            second = workers.apply(name + "-it");
            int atRestart = batches.get();
            log.await(c -> maxBatch(c) >= atRestart + 20, TIMEOUT, "streaming to resume on the replacement");
            stopWriting.set(true);
            writer.get();
            written = batches.get();
            return log.await(c -> lsnsPerChange(c).size() >= changes(), TIMEOUT, "all " + written + " transactions");
        }

        /** The changes written: every insert and update but the first update, which finds no row. */
        int changes() {
            return written * (ROWS_PER_TRANSACTION + 1) - 1;
        }

        /** Every insert and update is there; a replayed one carries the same lsn. */
        void assertEveryChangeWithOneLsn(List<Change> read) {
            Map<String, Set<String>> lsns = lsnsPerChange(read);
            assertEquals(changes(), lsns.size());
            assertEquals(List.of(), lsns.entrySet().stream().filter(e -> e.getValue().size() != 1).toList(),
                    "a change with more than one lsn");
        }

        /** The topic's final state is the table. */
        void assertTopicIsTheTable(List<Change> read) {
            Map<Object, List<Object>> table = db.withHandle(h -> h.createQuery("SELECT id, batch, payload FROM events")
                    .map((rs, ctx) -> List.<Object>of(rs.getInt(1), rs.getInt(2), rs.getString(3))).list())
                    .stream().collect(Collectors.toMap(r -> r.get(0), r -> r.subList(1, 3), (a, b) -> a, TreeMap::new));
            Map<Object, List<Object>> topicState = new TreeMap<>();
            ChangeLog.finalState(read, topic, "id").forEach((id, v) -> topicState.put(id, List.of(v.get("batch"), v.get("payload"))));
            assertEquals(table, topicState);
        }

        /**
         * The slot never confirmed a transaction Kafka did not have: the first one missing at the kill commits at or
         * after the confirmed position, so PostgreSQL still sent it to the replacement.
         */
        void assertSlotConfirmedNothingKafkaLacked(List<Change> read, Kill kill) {
            String firstMissingCommit = read.stream().filter(c -> batchOf(c) == kill.batchesInKafka() + 1)
                    .map(c -> c.headers().get("lsn")).findFirst().orElseThrow();
            boolean confirmedInKafka = db.withHandle(h -> h.createQuery("SELECT pg_lsn(?) <= pg_lsn(?)")
                    .bind(0, kill.confirmedLsn()).bind(1, firstMissingCommit).mapTo(Boolean.class).one());
            assertTrue(confirmedInKafka,
                    "confirmed_flush_lsn " + kill.confirmedLsn() + " at the kill is past the commit "
                            + firstMissingCommit + " of transaction " + (kill.batchesInKafka() + 1) + ", which Kafka did not have");
        }

        void deleteConnector() {
            second.rest().deleteConnector(name);
        }

        @Override
        public void close() throws Exception {
            stopWriting.set(true);
            if (writer != null) {
                writer.exceptionally(e -> null).get();
            }
            if (first != null) {
                first.kill();
            }
            if (second != null) {
                second.stop();
            }
        }
    }

    /**
     * Within a partition, the records of one database transaction sit at consecutive offsets and exactly one offset
     * (the commit marker) separates two transactions: each database transaction was one Kafka transaction.
     */
    private static void assertOneKafkaTransactionPerDatabaseTransaction(List<Change> changes) {
        Map<String, List<Change>> byPartition = changes.stream().collect(Collectors.groupingBy(
                c -> c.topic() + "-" + c.partition()));
        for (List<Change> partition : byPartition.values()) {
            List<Change> ordered = partition.stream().sorted(Comparator.comparingLong(Change::offset)).toList();
            for (int i = 1; i < ordered.size(); i++) {
                Change previous = ordered.get(i - 1);
                Change current = ordered.get(i);
                boolean sameTransaction = previous.headers().get("txid").equals(current.headers().get("txid"));
                assertEquals(sameTransaction ? 1 : 2, current.offset() - previous.offset(),
                        "offsets " + previous.offset() + " and " + current.offset() + " of " + current.topic()
                                + " (txid " + previous.headers().get("txid") + " then " + current.headers().get("txid") + ")");
            }
        }
    }

    private static String describe(Change change) {
        return change.topic().substring(change.topic().indexOf('.') + 1) + " " + change.op() + " "
                + fields(change.key()) + " " + fields(change.value());
    }

    private static String fields(Struct struct) {
        return struct == null ? "null" : struct.schema().fields().stream()
                .map(f -> f.name() + "=" + struct.get(f)).collect(Collectors.joining(","));
    }

    /** "c42" / "u42" -> the lsn headers seen for that insert or update. */
    private static Map<String, Set<String>> lsnsPerChange(List<Change> changes) {
        return changes.stream().collect(Collectors.groupingBy(c -> c.op() + c.keyField("id"),
                Collectors.mapping(c -> c.headers().get("lsn"), Collectors.toSet())));
    }

    private static int batchOf(Change change) {
        return change.value() == null || change.value().schema().field("batch") == null
                ? (int) change.keyField("id") / ROWS_PER_TRANSACTION : (int) change.value().get("batch");
    }

    private static int maxBatch(List<Change> changes) {
        return changes.stream().mapToInt(CdcExactlyOnceIT::batchOf).max().orElse(0);
    }

    @SuppressWarnings("unchecked")
    private static boolean committedStreamingOffset(ConnectWorker worker, String connector) {
        List<Map<String, Object>> offsets = (List<Map<String, Object>>) worker.rest().offsets(connector).get("offsets");
        return offsets != null && offsets.stream().map(o -> (Map<String, Object>) o.get("offset"))
                .anyMatch(o -> o != null && Boolean.TRUE.equals(o.get("snapshot_done"))
                        && o.get("txid") instanceof Number txid && txid.longValue() > 0);
    }
}
