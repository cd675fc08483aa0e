package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.SchemaAndValue;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Serde of {@link OriginalRecord} for the repartition topic: {@code [format version: 1 byte]
 * [key length: int32, -1 = null key][key bytes][value as Connect JSON, absent = tombstone]}.
 * The version byte lets a later release change the layout while old records are still in the topic.
 */
final class OriginalRecordSerde implements Serde<OriginalRecord> {

    private static final byte FORMAT_V1 = 1;
    private static final int HEADER_BYTES = 1 + Integer.BYTES;

    private final ConnectJsonSerde values;

    OriginalRecordSerde(ConnectJsonSerde values) {
        this.values = values;
    }

    private byte[] toBytes(String topic, OriginalRecord record) {
        if (record == null) {
            return null;
        }
        byte[] key = record.key();
        byte[] value = record.isTombstone() ? new byte[0] : values.toBytes(topic, record.value());
        int keyLength = key == null ? 0 : key.length;
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + keyLength + value.length)
                .put(FORMAT_V1)
                .putInt(key == null ? -1 : key.length);
        if (key != null) {
            buffer.put(key);
        }
        return buffer.put(value).array();
    }

    private OriginalRecord fromBytes(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length < HEADER_BYTES || bytes[0] != FORMAT_V1) {
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
        SchemaAndValue value = valueStart == bytes.length
                ? null
                : values.fromBytes(topic, Arrays.copyOfRange(bytes, valueStart, bytes.length));
        return new OriginalRecord(key, value);
    }

    @Override
    public Serializer<OriginalRecord> serializer() {
        return this::toBytes;
    }

    @Override
    public Deserializer<OriginalRecord> deserializer() {
        return this::fromBytes;
    }
}
