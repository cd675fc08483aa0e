package io.tablestream.e2e.sink;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A sink task writes through a writer thread while its own thread goes on receiving records. While that writer waits
 * on a table another session locks, the task must still leave its partitions to a rebalance and stop promptly (the
 * batch being written is cancelled and rolls back with its offsets), and every record must land exactly once after
 * the lock: in insert mode on a table without a key, a record written twice would show as a duplicate row.
 */
@ExtendWith(TablestreamStack.class)
record SinkWriterThreadIT(Stack stack, ClassDatabase sink) {

    private static final Schema EVENT = SchemaBuilder.struct().name("Event").field("id", Schema.INT64_SCHEMA)
            .field("payload", Schema.STRING_SCHEMA).build();
    private static final int PER_PARTITION = 1_000;
    /** Well over a prompt stop or rebalance (a heartbeat is 3 s), well under the lock that holds the writer. */
    private static final Duration PROMPT = Duration.ofSeconds(20);

    @Test
    void aRebalanceWhileTheWriterWaitsOnALockedTableLosesNothingAndWritesNothingTwice() throws Exception {
        String topic = "writer_rebalance";
        String connector = "writer-rebalance";
        try (Handle locker = sink.db().open()) {
            deployWhileLocked(locker, topic, 2, connector);

            // A second member of the task's consumer group takes a partition: the task must give both up (and take
            // one back) while its writer still waits for the lock.
            try (KafkaConsumer<byte[], byte[]> member = groupMember(connector)) {
                member.subscribe(List.of(topic));
                long deadline = System.nanoTime() + PROMPT.toNanos();
                while (member.assignment().isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        fail("the rebalance did not end within " + PROMPT.toSeconds() + " s while the writer waited"
                                + " for the lock: the task did not give its partitions up");
                    }
                    member.poll(Duration.ofMillis(200));
                }
                assertEquals(1, member.assignment().size(), "one of the two partitions for the second member");
            } // leaving gives the task both partitions again
            locker.commit();
        }
        awaitEveryRowOnce(topic, 2 * PER_PARTITION);
        assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), connector).get(0));
        stack.rest().deleteConnector(connector);
    }

    @Test
    void aTaskStoppedWhileTheWriterWaitsOnALockedTableStopsPromptlyAndResumesExactly() throws Exception {
        String topic = "writer_stop";
        String connector = "writer-stop";
        try (Handle locker = sink.db().open()) {
            deployWhileLocked(locker, topic, 1, connector);
            long t0 = System.nanoTime();
            stack.rest().deleteConnector(connector);
            for (String thread : List.of("task-thread-" + connector + "-0", "task-thread-" + connector + "-0-writer")) {
                while (threadAlive(thread)) {
                    if (System.nanoTime() - t0 > PROMPT.toNanos()) {
                        fail("thread " + thread + " still running " + PROMPT.toSeconds() + " s after its connector"
                                + " was deleted, while another session locks the table");
                    }
                    Pause.millis(100);
                }
            }
            locker.commit();
        }
        assertEquals(0L, count(topic), "the cancelled batch rolled back whole");
        sink.deploy(connector, ConnectorConfigs.sink(stack, sink.url(), topic, "insert.mode", "insert"));
        awaitEveryRowOnce(topic, PER_PARTITION);
        stack.rest().deleteConnector(connector);
    }

    private void createTableAndTopic(String topic, int partitions) throws InterruptedException, ExecutionException {
        sink.db().useHandle(h -> h.execute("CREATE TABLE " + topic + " (id bigint NOT NULL, payload text NOT NULL)"));
        stack.kafka().createTopic(topic, partitions);
        SinkTopics.awaitLeaders(stack, topic, partitions);
        JsonConverter values = SinkTopics.converter(false);
        try (KafkaProducer<byte[], byte[]> producer = SinkTopics.producer(stack.kafka().bootstrapServers())) {
            List<Future<?>> sent = new ArrayList<>();
            for (long id = 0; id < (long) partitions * PER_PARTITION; id++) {
                byte[] value = values.fromConnectData(topic, EVENT, new Struct(EVENT).put("id", id)
                        .put("payload", "event " + id));
                sent.add(producer.send(new ProducerRecord<>(topic, (int) (id % partitions), null, value)));
            }
            producer.flush();
            for (Future<?> f : sent) {
                f.get();
            }
        }
    }

    /** The table and its topic, the table locked by {@code locker}, the connector deployed, its writer waiting. */
    private void deployWhileLocked(Handle locker, String topic, int partitions, String connector)
            throws InterruptedException, ExecutionException {
        createTableAndTopic(topic, partitions);
        locker.begin();
        locker.execute("LOCK TABLE " + topic + " IN ACCESS EXCLUSIVE MODE");
        sink.deploy(connector, ConnectorConfigs.sink(stack, sink.url(), topic, "insert.mode", "insert"));
        awaitWriterWaitingForTheLock(topic);
    }

    private void awaitWriterWaitingForTheLock(String table) {
        await("the writer is waiting for the lock", true, () -> sink.db().withHandle(h -> h.createQuery(
                "SELECT count(*) > 0 FROM pg_locks WHERE relation = '" + table + "'::regclass AND NOT granted")
                .mapTo(Boolean.class).one()), TIMEOUT);
    }

    private void awaitEveryRowOnce(String table, long rows) {
        await("every row", rows, () -> count(table), TIMEOUT);
        assertEquals(List.of(List.of(String.valueOf(rows), String.valueOf(rows))), SinkTopics.rows(sink.db(),
                "SELECT count(*), count(DISTINCT id) FROM " + table), "each record once");
    }

    private long count(String table) {
        return sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    /** A consumer in the connector's group (Connect names it connect-{name}) that commits nothing. */
    private KafkaConsumer<byte[], byte[]> groupMember(String connector) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "connect-" + connector,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
