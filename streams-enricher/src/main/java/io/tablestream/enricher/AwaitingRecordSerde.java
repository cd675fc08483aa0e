package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Serde of a record waiting for its lookup row ({@link AwaitLookupRow}): everything needed to write it later as if
 * it had been joined at once, {@code [timestamp: int64][since: int64][header count: int32]([name length: int32]
 * [name UTF-8][value length: int32, -1 = null][value])*[the record as OriginalRecordSerde writes it]}.
 */
final class AwaitingRecordSerde implements BytesSerde<AwaitingRecordSerde.AwaitingRecord> {

    /** The record, its timestamp and headers, and the wall-clock time it started waiting. */
    record AwaitingRecord(OriginalRecord record, long timestamp, Headers headers, long sinceMs) {
    }

    private final OriginalRecordSerde records;

    AwaitingRecordSerde(OriginalRecordSerde records) {
        this.records = records;
    }

    @Override
    public byte[] toBytes(String topic, AwaitingRecord awaiting) {
        if (awaiting == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(awaiting.timestamp());
            out.writeLong(awaiting.sinceMs());
            Header[] headers = awaiting.headers().toArray();
            out.writeInt(headers.length);
            for (Header header : headers) {
                byte[] name = header.key().getBytes(StandardCharsets.UTF_8);
                out.writeInt(name.length);
                out.write(name);
                out.writeInt(header.value() == null ? -1 : header.value().length);
                if (header.value() != null) {
                    out.write(header.value());
                }
            }
            out.write(records.serializer().serialize(topic, awaiting.record()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public AwaitingRecord fromBytes(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            long timestamp = in.getLong();
            long since = in.getLong();
            int count = in.getInt();
            Headers headers = new RecordHeaders();
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[in.getInt()];
                in.get(name);
                int length = in.getInt();
                byte[] value = length < 0 ? null : new byte[length];
                if (value != null) {
                    in.get(value);
                }
                headers.add(new String(name, StandardCharsets.UTF_8), value);
            }
            OriginalRecord record = records.deserializer().deserialize(topic,
                    Arrays.copyOfRange(bytes, in.position(), bytes.length));
            return new AwaitingRecord(record, timestamp, headers, since);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new SerializationException("Corrupt waiting record in store '" + topic + "' (" + bytes.length
                    + " bytes)", e);
        }
    }
}
