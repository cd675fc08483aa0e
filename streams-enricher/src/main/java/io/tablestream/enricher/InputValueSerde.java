package io.tablestream.enricher;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.SchemaAndValue;

/**
 * Reads input values with the configured value converter, keeping the bytes beside the decoded value (see
 * {@link OriginalRecord#inputValue()}). Decoding stays in the deserializer, so a malformed record is still a
 * deserialization error and goes to the dead-letter topic as read.
 */
final class InputValueSerde implements Serde<InputValueSerde.InputValue> {

    /** A value as read: decoded (null for a tombstone) and its bytes. */
    record InputValue(SchemaAndValue value, byte[] bytes) {
    }

    private final Deserializer<SchemaAndValue> values;

    InputValueSerde(Serde<SchemaAndValue> values) {
        this.values = values.deserializer();
    }

    @Override
    public Deserializer<InputValue> deserializer() {
        return new Deserializer<>() {
            @Override
            public InputValue deserialize(String topic, byte[] data) {
                return deserialize(topic, null, data);
            }

            @Override
            public InputValue deserialize(String topic, Headers headers, byte[] data) {
                return new InputValue(values.deserialize(topic, headers, data), data);
            }
        };
    }

    /** Only ever used to read the input topic. */
    @Override
    public Serializer<InputValue> serializer() {
        return (topic, value) -> {
            throw new UnsupportedOperationException("Input values are only read, never written");
        };
    }
}
