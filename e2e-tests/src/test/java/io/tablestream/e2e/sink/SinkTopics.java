package io.tablestream.e2e.sink;

import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.Jdbi;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared by the sink ITs: produce Connect-JSON records, build sink configs, poll the database. */
final class SinkTopics {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** One record to produce; a null value is a tombstone; header values are sent as UTF-8 text. */
    record Rec(Schema keySchema, Object key, Schema valueSchema, Object value, Map<String, String> headers) {
        Rec(Schema keySchema, Object key, Schema valueSchema, Object value) {
            this(keySchema, key, valueSchema, value, Map.of());
        }
    }

    private SinkTopics() {
    }

    /**
     * Produces the records in order to partition 0 through the worker's converter (JsonConverter with schemas);
     * fails if any send fails (an unchecked send can lose a batch silently).
     */
    static void produce(String bootstrapServers, String topic, List<Rec> records) {
        JsonConverter keys = converter(true);
        JsonConverter values = converter(false);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrapServers)) {
            for (Rec r : records) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, 0, keys.fromConnectData(topic,
                        r.keySchema(), r.key()), r.value() == null ? null : values.fromConnectData(topic,
                        r.valueSchema(), r.value()));
                r.headers().forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
                sent.add(producer.send(record));
            }
            producer.flush();
        }
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError("producing to " + topic + " failed", e);
            }
        }
    }

    /** One request in flight, so a retried batch cannot arrive behind a later one and be rejected out of sequence. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, "20", ProducerConfig.BATCH_SIZE_CONFIG, "262144",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Waits until every partition of a new topic has a leader, so the first batches do not hit an unknown one. */
    static void awaitLeaders(Stack stack, String topic, int partitions) {
        await(topic + " partitions with a leader", (long) partitions, () -> {
            try {
                return stack.kafka().admin().describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(topic).partitions().stream().filter(p -> p.leader() != null && !p.leader().isEmpty())
                        .count();
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                return -1L;
            }
        }, TIMEOUT);
    }

    /** The latest offset of each partition: its record count, for a non-transactional producer. */
    static Map<Integer, Long> endOffsets(Stack stack, String topic, int partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            Map<Integer, Long> ends = new TreeMap<>();
            stack.kafka().admin().listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            return ends;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("could not read the end offsets of " + topic, e);
        }
    }

    static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }

    /** Polls until {@code actual} equals {@code expected}; on timeout fails showing the last value. */
    static <T> void await(String what, T expected, Supplier<T> actual, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = actual.get();
            } catch (RuntimeException e) { // e.g. the table does not exist yet
                last = null;
            }
            if (expected.equals(last)) {
                return;
            }
            Pause.millis(200);
        }
        assertEquals(expected, last, what + " within " + timeout);
    }

    /** Every row of a query as text columns. */
    static List<List<String>> rows(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).map((rs, ctx) -> {
            int n = rs.getMetaData().getColumnCount();
            java.util.ArrayList<String> row = new java.util.ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                row.add(rs.getString(i));
            }
            return (List<String>) row;
        }).list());
    }
}
