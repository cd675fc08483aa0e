package io.tablestream.sink;

import io.tablestream.jdbc.types.ConnectType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Writes one column's value into a flush's COPY text, resolved once per column (per write plan) so a record only
 * pays for its value: whole numbers, strings, booleans and timestamps go straight into the buffer, every other type through its
 * {@link ConnectType}'s text. The bytes are the same either way.
 */
@FunctionalInterface
interface CopyValueWriter {

    /** Writes {@code value} (null writes {@code \N}); throws like {@link ConnectType#toText} when it does not fit. */
    void write(Object value, CopyBuffer out);

    static CopyValueWriter of(Schema schema, ConnectType type) {
        if (schema != null && Timestamp.LOGICAL_NAME.equals(schema.name())) {
            return (value, out) -> {
                if (value == null) {
                    out.appendNull();
                } else {
                    out.appendUtcTimestamp(((java.util.Date) value).getTime());
                }
            };
        }
        if (schema == null || schema.name() != null) { // schemaless, or another named type: its ConnectType knows
            return textOf(type);
        }
        return switch (schema.type()) {
            case INT8, INT16, INT32, INT64 -> (value, out) -> {
                if (value == null) {
                    out.appendNull();
                } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                        || value instanceof Byte) {
                    out.appendLong(((Number) value).longValue());
                } else {
                    out.appendValue(type.toText(value));
                }
            };
            case STRING -> (value, out) -> out.appendValue((String) value);
            case BOOLEAN -> (value, out) -> {
                if (value == null) {
                    out.appendNull();
                } else {
                    out.appendByte((Boolean) value ? 't' : 'f');
                }
            };
            default -> textOf(type);
        };
    }

    static CopyValueWriter textOf(ConnectType type) {
        return (value, out) -> out.appendValue(type.toText(value));
    }
}
