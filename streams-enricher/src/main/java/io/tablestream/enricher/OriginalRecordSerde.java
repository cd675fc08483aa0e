package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Serde of {@link OriginalRecord} for the repartition topics: {@code [format: 1 byte]
 * [key length: int32, -1 = null key][key bytes][value, absent = tombstone]}, where the value is
 * <ul>
 * <li>format 3, written: the value in {@link CompactValueSerde}'s binary form, which decodes several times
 * faster than Connect JSON; that form starts with its own format byte (schema by id, or the schema itself), so
 * both stay readable;</li>
 * <li>format 1, read only: the value as Connect JSON with its schema, so records of that form in the topic
 * are understood.</li>
 * </ul>
 * Format 4, key only, is the notice that the key moved to another join key ({@link OriginalRecord#moved()}).
 * Any other format byte (2 included) is an error.
 */
final class OriginalRecordSerde implements BytesSerde<OriginalRecord> {

    static final byte FORMAT_CONNECT_JSON = 1;
    static final byte FORMAT_COMPACT = 3;
    static final byte FORMAT_MOVED = 4;
    private static final int HEADER_BYTES = 1 + Integer.BYTES;

    private final ConnectJsonSerde connectJson;
    private final CompactValueSerde compact;

    OriginalRecordSerde(ConnectJsonSerde connectJson, CompactValueSerde compact) {
        this.connectJson = connectJson;
        this.compact = compact;
    }

    @Override
    public byte[] toBytes(String topic, OriginalRecord record) {
        if (record == null) {
            return null;
        }
        byte[] key = record.key();
        RecordBuffer buffer = RecordBuffer.start();
        DataOutputStream out = buffer.data();
        try {
            out.writeByte(record.moved() ? FORMAT_MOVED : FORMAT_COMPACT);
            out.writeInt(key == null ? -1 : key.length);
            if (key != null) {
                out.write(key);
            }
            if (record.value() != null) {
                compact.write(out, topic, record.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.finish();
    }

    @Override
    public OriginalRecord fromBytes(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        byte format = bytes.length < HEADER_BYTES ? 0 : bytes[0];
        if (format != FORMAT_CONNECT_JSON && format != FORMAT_COMPACT && format != FORMAT_MOVED) {
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
        if (format == FORMAT_MOVED) {
            return OriginalRecord.movedAway(key);
        }
        if (valueStart == bytes.length) {
            return new OriginalRecord(key, null);
        }
        return new OriginalRecord(key, format == FORMAT_CONNECT_JSON
                ? connectJson.fromBytes(topic, Arrays.copyOfRange(bytes, valueStart, bytes.length))
                : compact.fromBytes(topic, bytes, valueStart));
    }
}
