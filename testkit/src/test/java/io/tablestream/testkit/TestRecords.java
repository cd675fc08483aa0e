package io.tablestream.testkit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

final class TestRecords {

    private TestRecords() {
    }

    /** Reads {@code topic} from the beginning until {@code expected} records arrived or {@code timeout} passed. */
    static List<ConsumerRecord<String, String>> read(String bootstrapServers, String topic, int expected, Duration timeout) {
        Map<String, Object> props = Map.of(
                "bootstrap.servers", bootstrapServers,
                "group.id", "reader-" + topic + "-" + System.nanoTime(),
                "auto.offset.reset", "earliest",
                "enable.auto.commit", "false");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
