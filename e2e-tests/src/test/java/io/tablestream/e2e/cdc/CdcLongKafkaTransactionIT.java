package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mode=cdc with {@code transaction.boundary=connector} when sending takes longer than the producer's
 * {@code transaction.timeout.ms}: a snapshot, and a database transaction, each of 600 rows at 25 ms a record
 * (a slow transform) against a 3 s timeout. The broker aborts a Kafka transaction open past the timeout (it checks
 * every 10 s), so one Kafka transaction per snapshot or per database transaction would fail the task, and a
 * restart would fail the same way: every row must arrive exactly once, with the task running, also when the task
 * restarts after part of the split database transaction is committed.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcLongKafkaTransactionIT(Stack stack, CdcFixture cdc) {

    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private static final int ROWS = 600;

    @Test
    void aSnapshotAndADatabaseTransactionLongerThanTheTransactionTimeoutArriveExactlyOnce() {
        String name = "cdc-long-tx";
        String database = "cdc_long_tx_it";
        String topic = name + ".items";
        Jdbi db = cdc.database(database, "CREATE TABLE items (id int PRIMARY KEY, payload text NOT NULL);"
                + "INSERT INTO items SELECT i, 'row ' || i FROM generate_series(1, " + ROWS + ") i");
        ConnectWorker worker = ConnectWorker.startForked(stack.kafka().bootstrapServers(),
                Map.of("group.id", name + "-it", "exactly.once.source.support", "enabled"));
        ChangeLog log = cdc.changeLog(topic);
        try {
            worker.rest().createOrUpdateConnector(name, CdcFixture.config(stack, name, database, "items", Map.of(
                    "batch.max.rows", "10",
                    "exactly.once.support", "required",
                    "transaction.boundary", "connector",
                    "producer.override.transaction.timeout.ms", "3000",
                    "transforms", "slow",
                    "transforms.slow.type", SlowTransform.class.getName(),
                    "transforms.slow.delay.ms", "25")));
            worker.rest().awaitRunning(name, Duration.ofSeconds(60));

            List<Change> snapshot = log.await(allOnce("r", worker, name), TIMEOUT, ROWS + " snapshot records");
            assertEquals(ROWS, snapshot.size(), "snapshot records, each row once");

            long txid = db.inTransaction(h -> {
                h.execute("UPDATE items SET payload = 'updated ' || id");
                return h.createQuery("SELECT txid_current() % 4294967296").mapTo(Long.class).one();
            });
            // Restarted once part of the split transaction is committed: it resumes exactly after that part.
            log.await(c -> updates(c, worker, name) >= ROWS / 4, TIMEOUT, "a committed part of the update");
            worker.rest().restartTask(name, 0);
            List<Change> read = log.await(allOnce("u", worker, name), TIMEOUT, ROWS + " updates");
            List<Change> updates = read.stream().filter(c -> "u".equals(c.op())).toList();
            assertEquals(ROWS, updates.size(), "update records, each row once");
            assertEquals(Set.of(String.valueOf(txid)), updates.stream().map(c -> c.headers().get("txid"))
                    .collect(Collectors.toSet()));
            assertTrue(updates.stream().allMatch(c -> ("updated " + c.keyField("id")).equals(c.value().get("payload"))));
            assertEquals(2 * ROWS, log.readCommitted(TIMEOUT).size(), "records in all");
            assertEquals("RUNNING", taskState(worker, name));
            worker.rest().deleteConnector(name);
        } finally {
            worker.stop();
        }
    }

    /** Every row has its {@code op} record (the test fails at once, with the trace, if the task failed). */
    private static Predicate<List<Change>> allOnce(String op, ConnectWorker worker, String name) {
        return changes -> {
            requireRunning(worker, name);
            Set<Object> ids = changes.stream().filter(c -> op.equals(c.op())).map(c -> c.keyField("id"))
                    .collect(Collectors.toSet());
            return ids.size() >= ROWS;
        };
    }

    /** The update records read so far (the test fails at once, with the trace, if the task failed). */
    private static long updates(List<Change> changes, ConnectWorker worker, String name) {
        requireRunning(worker, name);
        return changes.stream().filter(c -> "u".equals(c.op())).count();
    }

    @SuppressWarnings("unchecked")
    private static void requireRunning(ConnectWorker worker, String name) {
        if ("FAILED".equals(taskState(worker, name))) {
            throw new AssertionError("The task failed: " + ((List<Map<String, Object>>) worker.rest().status(name)
                    .get("tasks")).get(0).get("trace"));
        }
    }

    @SuppressWarnings("unchecked")
    private static String taskState(ConnectWorker worker, String name) {
        List<Map<String, Object>> tasks = (List<Map<String, Object>>) worker.rest().status(name).get("tasks");
        return tasks.isEmpty() ? null : (String) tasks.get(0).get("state");
    }
}
