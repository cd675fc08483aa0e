package io.tablestream.sink;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.HashMap;
import java.util.Map;

/** Builders shared by the unit tests. */
final class TestRecords {

    static final String URL = "jdbc:postgresql://localhost:5432/shop";

    private TestRecords() {
    }

    /** A minimal valid config plus the given key/value pairs. */
    static Map<String, String> props(String... keyValues) {
        Map<String, String> props = new HashMap<>();
        props.put("connection.url", URL);
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return props;
    }

    static PostgresSinkConfig config(String... keyValues) {
        return new PostgresSinkConfig(props(keyValues));
    }

    static SinkRecord record(String topic, int partition, long offset, Schema keySchema, Object key,
                             Schema valueSchema, Object value) {
        return new SinkRecord(topic, partition, keySchema, key, valueSchema, value, offset);
    }
}
