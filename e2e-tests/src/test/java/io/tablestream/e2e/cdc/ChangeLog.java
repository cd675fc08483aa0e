package io.tablestream.e2e.cdc;

import io.tablestream.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/** The records of CDC topics as a read_committed consumer sees them, decoded from Connect JSON. */
final class ChangeLog {

    /**
     * One record: key and value as Connect data (value null for a tombstone), headers as text, and where it sits
     * in the topic (partition, offset: a Kafka transaction's commit marker takes an offset too).
     */
    record Change(String topic, Struct key, Struct value, Map<String, String> headers, int partition, long offset) {
        String op() {
            return headers.get("op");
        }

        Object keyField(String name) {
            return key.get(name);
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final JsonConverter keys = new JsonConverter();
    private final JsonConverter values = new JsonConverter();
    private final List<Change> changes = new ArrayList<>();

    ChangeLog(String bootstrapServers, List<String> topics) {
        keys.configure(Map.of("schemas.enable", "true"), true);
        values.configure(Map.of("schemas.enable", "true"), false);
        consumer = TopicReader.readCommittedConsumer(bootstrapServers, "cdc-it-");
        consumer.subscribe(topics);
    }

    /** Reads until {@code done} holds for everything read so far; fails with what was read on timeout. */
    List<Change> await(Predicate<List<Change>> done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (done.test(changes)) {
                return changes;
            }
            pollOnce();
        }
        return fail("Timed out after " + timeout + " waiting for " + what + "; read " + changes.size() + " records: "
                + changes.subList(Math.max(0, changes.size() - 20), changes.size()));
    }

    /**
     * Reads everything committed so far: up to each partition's last stable offset (read_committed end offset).
     * Fails on timeout, e.g. while a transaction stays open.
     */
    List<Change> readCommitted(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            pollOnce();
            Set<TopicPartition> assigned = consumer.assignment();
            if (!assigned.isEmpty() && consumer.endOffsets(assigned).entrySet().stream()
                    .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                return changes;
            }
        }
        return fail("Timed out after " + timeout + " reading up to the last stable offsets; read " + changes.size());
    }

    private void pollOnce() {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            Map<String, String> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
            changes.add(new Change(record.topic(), (Struct) keys.toConnectData(record.topic(), record.key()).value(),
                    (Struct) values.toConnectData(record.topic(), record.value()).value(), headers,
                    record.partition(), record.offset()));
        }
    }

    /** The topic's final state as a compacted topic keeps it: last value per key, tombstones remove. */
    static Map<Object, Struct> finalState(List<Change> changes, String topic, String keyField) {
        Map<Object, Struct> state = new LinkedHashMap<>();
        for (Change change : changes) {
            if (!change.topic().equals(topic)) {
                continue;
            }
            if (change.value() == null) {
                state.remove(change.keyField(keyField));
            } else if (!"d".equals(change.op())) {
                state.put(change.keyField(keyField), change.value());
            }
        }
        return state;
    }

    void close() {
        consumer.close();
    }
}
