package io.tablestream.jdbc;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.util.Map;

/**
 * Tells the forms a change record's value takes, as our CDC source and Debezium write them, so the sink and the
 * enricher read them alike: a change envelope, a rewritten delete, and the events that carry no row (logical
 * decoding messages, transaction boundaries), which both skip.
 */
public final class ChangeEvents {

    /** The field a rewritten delete carries as "true" (other rows: "false"). */
    public static final String DELETED_FIELD = "__deleted";

    private ChangeEvents() {
    }

    /** {@code op} is a string and {@code after} a Struct: Debezium's Envelope and our source's change records. */
    public static boolean isEnvelope(Schema schema) {
        Field op = schema.field("op");
        Field after = schema.field("after");
        return op != null && op.schema().type() == Schema.Type.STRING
                && after != null && after.schema().type() == Schema.Type.STRUCT;
    }

    /** A value with {@code __deleted} true (the string, as Debezium writes it, or a boolean). */
    public static boolean isRewrittenDelete(Object value) {
        Object deleted;
        if (value instanceof Struct struct) {
            Field field = struct.schema().field(DELETED_FIELD);
            deleted = field == null ? null : struct.get(field);
        } else if (value instanceof Map<?, ?> map) {
            deleted = map.get(DELETED_FIELD);
        } else {
            return false;
        }
        return Boolean.TRUE.equals(deleted) || deleted instanceof String text && "true".equalsIgnoreCase(text.trim());
    }

    /** An event that changes no row: a logical decoding message or a transaction boundary. */
    public static boolean changesNoRow(Schema schema, Object value) {
        return schema != null && isMessageEvent(schema, value) || isTransactionEvent(value);
    }

    /**
     * Debezium's event for a logical decoding message ({@code pg_logical_emit_message}): {@code op=m} with a
     * {@code message} Struct and no {@code after}. It carries no row: written as one, its {@code op}, {@code source}
     * and {@code message} would become columns of a table nobody has.
     */
    public static boolean isMessageEvent(Schema schema, Object value) {
        Field op = schema.field("op");
        Field message = schema.field("message");
        return op != null && op.schema().type() == Schema.Type.STRING && message != null
                && message.schema().type() == Schema.Type.STRUCT && schema.field("after") == null
                && value instanceof Struct struct && "m".equals(struct.get(op));
    }

    /**
     * Debezium's transaction boundary event ({@code provide.transaction.metadata=true}, on the topic
     * {@code <prefix>.transaction}): {@code status} BEGIN or END, {@code id} and {@code data_collections}, as a Struct
     * or, with schemaless JSON, a map. It carries no row: written as one, a sink subscribed to every topic of a
     * prefix would create a table {@code transaction} of those fields. Recognised by its fields, not by its schema
     * name, which converters and name adjusters may change.
     */
    public static boolean isTransactionEvent(Object value) {
        Object status;
        Object id;
        boolean hasCollections;
        if (value instanceof Struct struct) {
            Schema schema = struct.schema();
            Field statusField = schema.field("status");
            Field idField = schema.field("id");
            hasCollections = schema.field("data_collections") != null;
            if (statusField == null || idField == null || schema.field("after") != null) {
                return false;
            }
            status = struct.get(statusField);
            id = struct.get(idField);
        } else if (value instanceof Map<?, ?> map) {
            status = map.get("status");
            id = map.get("id");
            hasCollections = map.containsKey("data_collections");
        } else {
            return false;
        }
        return hasCollections && id instanceof String && ("BEGIN".equals(status) || "END".equals(status));
    }
}
