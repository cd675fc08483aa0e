package io.tablestream.testkit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/** Reads a topic of Connect-JSON records from the start, as a downstream read_committed consumer would. */
public final class TopicReader {

    private TopicReader() {
    }

    /** Waits until some record's value has {@code field} equal to {@code expected}. */
    public static void awaitValue(String bootstrapServers, String topic, String field, Object expected, Duration timeout) {
        readUntil(bootstrapServers, topic, values -> values.stream().anyMatch(v -> v != null && Objects.equals(expected, v.get(field))),
                timeout);
    }

    /** A read_committed consumer of raw records from the start, in a group of its own named {@code groupPrefix<uuid>}. */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(String bootstrapServers, String groupPrefix) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The first {@code expected} raw records of a topic (fewer if the deadline passes first). */
    public static List<ConsumerRecord<byte[], byte[]>> records(String bootstrapServers, String topic, int expected,
                                                               Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = readCommittedConsumer(bootstrapServers, "topic-reader-")) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** Every record value (as a Struct with its schema) once {@code done} holds for them; fails at the deadline. */
    public static List<Struct> readUntil(String bootstrapServers, String topic, Predicate<List<Struct>> done, Duration timeout) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        List<Struct> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = readCommittedConsumer(bootstrapServers, "topic-reader-")) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    SchemaAndValue value = converter.toConnectData(topic, record.value());
                    values.add((Struct) value.value());
                }
                if (done.test(values)) {
                    return values;
                }
            }
        }
        fail("Topic " + topic + " did not reach the expected records within " + timeout + "; saw " + values);
        return values;
    }

    /** Waits until some record's {@code id} equals {@code id}; returns all values read. */
    public static List<Struct> readUntilId(String bootstrapServers, String topic, Object id, Duration timeout) {
        return readUntil(bootstrapServers, topic, values -> values.stream().anyMatch(v -> id.equals(v.get("id"))), timeout);
    }

    public static List<Object> ids(List<Struct> values) {
        return values.stream().map(v -> v.get("id")).toList();
    }
}
