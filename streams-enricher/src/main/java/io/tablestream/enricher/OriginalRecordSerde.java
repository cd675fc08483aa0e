package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.SchemaAndValue;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Serde of {@link OriginalRecord} for the repartition topics: {@code [format: 1 byte]
 * [key length: int32, -1 = null key][key bytes][value, absent = tombstone]}, where the value is
 * <ul>
 * <li>format 2: the value's bytes exactly as read from the input topic, decoded after the hop with the input
 * topic's value converter (under the input topic's name and the record's headers, which the hop keeps), so a
 * record read straight from the input is never re-serialised on the way;</li>
 * <li>format 1: the value as Connect JSON with its schema, for values a join has already changed (the second
 * and later lookups of a chain), and the only format of releases before format 2.</li>
 * </ul>
 * Both formats are read, so records written by an older release are still understood after an upgrade.
 */
final class OriginalRecordSerde implements Serde<OriginalRecord> {

    static final byte FORMAT_CONNECT_JSON = 1;
    static final byte FORMAT_INPUT_BYTES = 2;
    private static final int HEADER_BYTES = 1 + Integer.BYTES;

    private final ConnectJsonSerde internalValues;
    private final Deserializer<SchemaAndValue> inputValues;
    private final String inputTopic;

    OriginalRecordSerde(ConnectJsonSerde internalValues, Serde<SchemaAndValue> inputValues, String inputTopic) {
        this.internalValues = internalValues;
        this.inputValues = inputValues.deserializer();
        this.inputTopic = inputTopic;
    }

    private byte[] toBytes(String topic, OriginalRecord record) {
        if (record == null) {
            return null;
        }
        byte[] key = record.key();
        boolean asRead = !record.isTombstone() && record.inputValue() != null;
        byte[] value = record.isTombstone() ? new byte[0]
                : asRead ? record.inputValue() : internalValues.toBytes(topic, record.value());
        int keyLength = key == null ? 0 : key.length;
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + keyLength + value.length)
                .put(asRead ? FORMAT_INPUT_BYTES : FORMAT_CONNECT_JSON)
                .putInt(key == null ? -1 : key.length);
        if (key != null) {
            buffer.put(key);
        }
        return buffer.put(value).array();
    }

    private OriginalRecord fromBytes(String topic, Headers headers, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        byte format = bytes.length < HEADER_BYTES ? 0 : bytes[0];
        if (format != FORMAT_CONNECT_JSON && format != FORMAT_INPUT_BYTES) {
            throw new SerializationException("Not an enricher repartition record in topic '" + topic
                    + "' (unknown format or truncated, " + bytes.length + " bytes)");
        }
        int keyLength = ByteBuffer.wrap(bytes, 1, Integer.BYTES).getInt();
        int valueStart = HEADER_BYTES + Math.max(keyLength, 0);
        if (keyLength < -1 || valueStart > bytes.length) {
            throw new SerializationException("Corrupt enricher repartition record in topic '" + topic
                    + "': key length " + keyLength + " in " + bytes.length + " bytes");
        }
        byte[] key = keyLength < 0 ? null : Arrays.copyOfRange(bytes, HEADER_BYTES, valueStart);
        if (valueStart == bytes.length) {
            return new OriginalRecord(key, null);
        }
        byte[] value = Arrays.copyOfRange(bytes, valueStart, bytes.length);
        if (format == FORMAT_CONNECT_JSON) {
            return new OriginalRecord(key, internalValues.fromBytes(topic, value));
        }
        // Still the input's bytes: the next lookup of a chain may forward them again.
        return new OriginalRecord(key, inputValues.deserialize(inputTopic, headers, value), value);
    }

    @Override
    public Serializer<OriginalRecord> serializer() {
        return this::toBytes;
    }

    @Override
    public Deserializer<OriginalRecord> deserializer() {
        return new Deserializer<>() {
            @Override
            public OriginalRecord deserialize(String topic, byte[] data) {
                return fromBytes(topic, null, data);
            }

            @Override
            public OriginalRecord deserialize(String topic, Headers headers, byte[] data) {
                return fromBytes(topic, headers, data);
            }
        };
    }
}
