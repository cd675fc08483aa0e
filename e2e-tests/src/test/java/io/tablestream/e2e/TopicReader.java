package io.tablestream.e2e;

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

import static org.junit.jupiter.api.Assertions.fail;

/** Reads a topic of Connect-JSON records the way a downstream consumer would. */
final class TopicReader {

    private TopicReader() {
    }

    /** Waits until some record's value has {@code field} equal to {@code expected}. */
    static void awaitValue(String bootstrapServers, String topic, String field, Object expected, Duration timeout) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        List<Object> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "topic-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    SchemaAndValue value = converter.toConnectData(topic, record.value());
                    if (value.value() instanceof Struct struct) {
                        Object actual = struct.get(field);
                        seen.add(actual);
                        if (Objects.equals(expected, actual)) {
                            return;
                        }
                    }
                }
            }
        }
        fail("No record in " + topic + " had " + field + "=" + expected + " within " + timeout + "; saw " + seen);
    }
}
