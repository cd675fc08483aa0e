package io.tablestream.e2e.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * snapshot.mode=incremental (the default): the tables are read in chunks beside the stream, so a worker SIGKILLed in
 * the middle of a large snapshot, while inserts, updates and deletes run on the table, is replaced and goes on at
 * the chunk after the last one whose offset was committed: the topic's compacted view equals the table row by row,
 * and only the chunks that were in Kafka but not yet in a committed offset are read again.
 *
 * <p>The table has {@value #DEFAULT_ROWS} rows unless {@code -Dtablestream.it.snapshot.rows=2000000}.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcIncrementalSnapshotIT(Stack stack, CdcFixture cdc) {

    private static final int DEFAULT_ROWS = 60_000;
    private static final int ROWS = Integer.getInteger("tablestream.it.snapshot.rows", DEFAULT_ROWS);
    private static final Duration TIMEOUT = Duration.ofSeconds(Math.max(120, ROWS / 5_000));
    private static final int CHUNK = 1024;

    /** One thread, and several reading chunks of the table at once through their own connections. */
    @ParameterizedTest(name = "snapshot.max.threads={0}")
    @ValueSource(ints = {1, 4})
    void aWorkerKilledMidSnapshotIsReplacedAndTheTopicEqualsTheTable(int threads) throws Exception {
        String name = "cdc-incr-kill-" + threads;
        String slot = name.replace('-', '_');
        String topic = name + ".items";
        String group = name + "-it";
        Jdbi db = cdc.database(slot + "_it", "CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
                + " INSERT INTO items SELECT g, 'v' || g, 0 FROM generate_series(1, " + ROWS + ") g; ANALYZE items");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger operations = new AtomicInteger();
        CompletableFuture<Void> writer = null;
        ConnectWorker first = worker(group);
        ConnectWorker second = null;
        try (TopicState state = new TopicState(stack.kafka().bootstrapServers(), topic)) {
            first.rest().createOrUpdateConnector(name, Map.of(
                    "connector.class", "io.tablestream.source.PostgresSourceConnector",
                    "connection.url", stack.postgres().jdbcUrl(slot + "_it"),
                    "connection.user", stack.postgres().user(),
                    "connection.password", stack.postgres().passwordOrEmpty(),
                    "mode", "cdc",
                    "table.include.list", "items",
                    "topic.prefix", name + ".",
                    "slot.name", slot,
                    "incremental.snapshot.chunk.size", String.valueOf(CHUNK),
                    "snapshot.max.threads", String.valueOf(threads)));
            first.rest().awaitRunning(name, TIMEOUT);
            writer = CompletableFuture.runAsync(() -> ConcurrentItemWrites.run(db, ROWS, stop, operations));

            // Killed once a third of the table is in a committed offset; at the CI size, where the whole snapshot
            // takes seconds, as soon as a few chunks are, so the kill still comes before its end.
            long killAt = ROWS >= 1_000_000 ? ROWS / 3 : 3 * CHUNK;
            CdcFixture.awaitCondition("a committed snapshot progress", TIMEOUT,
                    () -> committedProgress(first, name) >= killAt);
            first.kill();
            CdcFixture.awaitCondition("the killed worker's slot to turn inactive", TIMEOUT,
                    () -> !CdcFixture.slotActive(db, slot));
            state.readToEnd(TIMEOUT);
            // The offsets topic is final too: what the replacement resumes from.
            long committedAfterKey = committedAfterKey(group + "-offsets");
            long inKafkaAtKill = state.maxReadKey();
            assertTrue(inKafkaAtKill < ROWS, "killed before the snapshot ended: " + inKafkaAtKill);

            second = worker(group);
            state.readUntil(s -> s.readKeys() >= ROWS * 2 / 3 && s.maxReadKey() > inKafkaAtKill, TIMEOUT,
                    "the snapshot to go on on the replacement");
            stop.set(true);
            writer.get();
            assertTrue(operations.get() > 100, "the writer ran: " + operations.get() + " operations");

            Map<Integer, String> table = new TreeMap<>();
            db.useHandle(h -> h.createQuery("SELECT id, v, n FROM items").map((rs, ctx) ->
                    table.put(rs.getInt(1), rs.getString(2) + "/" + rs.getInt(3))).list());
            state.readUntil(s -> s.rows().equals(table), TIMEOUT, "the topic's compacted view to equal the table");

            // Re-read: only chunks after the committed progress, never more than was in Kafka beyond it at the kill.
            Map<Integer, Integer> reads = state.readsPerKey();
            List<Integer> readTwiceBeforeCommitted = reads.entrySet().stream()
                    .filter(e -> e.getValue() > 1 && e.getKey() <= committedAfterKey).map(Map.Entry::getKey).toList();
            assertEquals(List.of(), readTwiceBeforeCommitted, "rows up to the committed key " + committedAfterKey
                    + " read again");
            long reRead = reads.values().stream().filter(n -> n > 1).count();
            assertTrue(reads.values().stream().allMatch(n -> n <= 2), "no row read three times");
            assertTrue(reRead <= inKafkaAtKill - committedAfterKey, reRead + " rows read again, but only "
                    + (inKafkaAtKill - committedAfterKey) + " keys were in Kafka past the committed progress");
            System.out.printf("incremental snapshot kill, %d threads: %d rows, %d operations, committed key %d, in Kafka %d at"
                    + " the kill, %d rows read again (chunk %d)%n", threads, ROWS, operations.get(), committedAfterKey,
                    inKafkaAtKill, reRead, CHUNK);
            second.rest().deleteConnector(name);
        } finally {
            stop.set(true);
            if (writer != null) {
                writer.exceptionally(e -> null).get();
            }
            first.kill();
            if (second != null) {
                second.stop();
            }
        }
    }

    /**
     * A table without a primary key is read by page ranges, snapshot.max.threads of them at once, as a keyed table
     * by key ranges: every row arrives, once.
     */
    @Test
    void aTableWithoutAPrimaryKeyIsReadByPageRangesOnSeveralThreads() {
        int rows = 5000;
        String name = "cdc-incr-nokey";
        cdc.database("cdc_incr_nokey_it", "CREATE TABLE log (n int NOT NULL, v text NOT NULL);"
                + " INSERT INTO log SELECT g, 'v' || g FROM generate_series(1, " + rows + ") g; ANALYZE log");
        cdc.deploy(name, "cdc_incr_nokey_it", "log", Map.of("incremental.snapshot.chunk.size", "200",
                "snapshot.max.threads", "4"));
        ChangeLog log = cdc.changeLog(name + ".log");
        log.await(c -> c.size() >= rows, TIMEOUT, "every row");
        List<Integer> read = log.readCommitted(TIMEOUT).stream().filter(c -> "r".equals(c.op()))
                .map(c -> (Integer) c.value().get("n")).sorted().toList();
        assertEquals(IntStream.rangeClosed(1, rows).boxed().toList(), read);
    }

    private ConnectWorker worker(String groupId) {
        return ConnectWorker.startForked(stack.kafka().bootstrapServers(), Map.of("group.id", groupId,
                "session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"));
    }

    /** The last key of the committed snapshot progress of the table (0: none). */
    @SuppressWarnings("unchecked")
    private static long committedProgress(ConnectWorker worker, String connector) {
        List<Map<String, Object>> offsets = (List<Map<String, Object>>) worker.rest().offsets(connector).get("offsets");
        return offsets == null ? 0 : offsets.stream()
                .filter(o -> ((Map<String, Object>) o.get("partition")).containsKey("table"))
                .map(o -> (Map<String, Object>) o.get("offset")).filter(o -> o != null && o.get("after") != null)
                .mapToLong(o -> Long.parseLong(o.get("after").toString().replaceAll("[^0-9]", ""))).max().orElse(0);
    }

    /** The last key of the table's snapshot progress in the worker group's offsets topic. */
    private long committedAfterKey(String offsetsTopic) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long after = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = TopicReader.readCommittedConsumer(
                stack.kafka().bootstrapServers(), "offsets-reader-")) {
            consumer.subscribe(List.of(offsetsTopic));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            boolean caughtUp = false;
            while (!caughtUp) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode key = json.readTree(record.key());
                    if (record.value() != null && key.get(1).has("table")) {
                        JsonNode progress = json.readTree(record.value()).get("after"); // a JSON array as text
                        after = progress == null ? 0 : json.readTree(progress.asText()).get(0).asLong();
                    }
                }
                caughtUp = !consumer.assignment().isEmpty() && consumer.endOffsets(consumer.assignment()).entrySet()
                        .stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                if (System.nanoTime() > deadline) {
                    fail("Timed out reading " + offsetsTopic);
                }
            }
        }
        return after;
    }

    /**
     * The topic as a compacted view (id -> "v/n", tombstones remove) and how often each id came as a snapshot read
     * (op=r), kept compact so that millions of records fit.
     */
    private static final class TopicState implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final JsonConverter keys = new JsonConverter();
        private final JsonConverter values = new JsonConverter();
        private final String topic;
        private final Map<Integer, String> rows = new TreeMap<>();
        private final Map<Integer, Integer> reads = new HashMap<>();
        private int maxReadKey;

        TopicState(String bootstrapServers, String topic) {
            this.topic = topic;
            keys.configure(Map.of("schemas.enable", "true"), true);
            values.configure(Map.of("schemas.enable", "true"), false);
            consumer = TopicReader.readCommittedConsumer(bootstrapServers, "cdc-incr-it-");
            consumer.subscribe(List.of(topic));
        }

        interface Condition {
            boolean holds(TopicState state);
        }

        void readUntil(Condition condition, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.holds(this)) {
                if (System.nanoTime() > deadline) {
                    fail("Timed out after " + timeout + " waiting for " + what + "; " + rows.size() + " rows, "
                            + reads.size() + " read by the snapshot, highest " + maxReadKey);
                }
                pollOnce();
            }
        }

        void readToEnd(Duration timeout) {
            readUntil(s -> !consumer.assignment().isEmpty() && consumer.endOffsets(consumer.assignment()).entrySet()
                    .stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue()), timeout, "the end");
        }

        private void pollOnce() {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                int id = (Integer) ((Struct) keys.toConnectData(topic, record.key()).value()).get("id");
                Struct value = (Struct) values.toConnectData(topic, record.value()).value();
                Header op = record.headers().lastHeader("op");
                if ("r".equals(op == null ? null : new String(op.value(), StandardCharsets.UTF_8))) {
                    reads.merge(id, 1, Integer::sum);
                    maxReadKey = Math.max(maxReadKey, id);
                }
                if (value == null) {
                    rows.remove(id);
                } else {
                    rows.put(id, value.get("v") + "/" + value.get("n"));
                }
            }
        }

        int readKeys() {
            return reads.size();
        }

        int maxReadKey() {
            return maxReadKey;
        }

        Map<Integer, String> rows() {
            return rows;
        }

        Map<Integer, Integer> readsPerKey() {
            return reads;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
