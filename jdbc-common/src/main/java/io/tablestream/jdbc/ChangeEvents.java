package io.tablestream.jdbc;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.util.List;
import java.util.Map;

/**
 * Tells the forms a change record's value takes, as our CDC source and Debezium write them, so the sink and the
 * enricher read them alike: a change envelope, a rewritten delete, and the events that carry no row (logical
 * decoding messages, transaction boundaries), which both skip.
 */
public final class ChangeEvents {

    /** The field a rewritten delete carries as "true" (other rows: "false"). */
    public static final String DELETED_FIELD = "__deleted";
    /** The end of the name of Debezium's transaction event schema, whatever its prefix. */
    private static final String TRANSACTION_SCHEMA_SUFFIX = "TransactionMetadataValue";

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
     * {@code <prefix>.transaction}), as a Struct or, with schemaless JSON, a map. It carries no row: written as one, a
     * sink subscribed to every topic of a prefix would create a table {@code transaction} of those fields. Its whole
     * shape is required (a schema named {@code ...TransactionMetadataValue}, or the fields status BEGIN/END, id,
     * event_count and data_collections, an array of Structs or maps with data_collection), so a table that merely has
     * a status, an id and a column named data_collections is still written.
     */
    public static boolean isTransactionEvent(Object value) {
        Object status;
        if (value instanceof Struct struct) {
            Schema schema = struct.schema();
            Field statusField = schema.field("status");
            Field idField = schema.field("id");
            if (statusField == null || idField == null || statusField.schema().type() != Schema.Type.STRING
                    || idField.schema().type() != Schema.Type.STRING || schema.field("after") != null) {
                return false;
            }
            boolean named = schema.name() != null && schema.name().endsWith(TRANSACTION_SCHEMA_SUFFIX);
            if (!named && !hasTransactionFields(schema)) {
                return false;
            }
            status = struct.get(statusField);
        } else if (value instanceof Map<?, ?> map) {
            if (!map.containsKey("event_count") || !(map.get("id") instanceof String)
                    || !map.containsKey("data_collections") || !collectionsList(map.get("data_collections"))) {
                return false;
            }
            status = map.get("status");
        } else {
            return false;
        }
        return "BEGIN".equals(status) || "END".equals(status);
    }

    private static boolean hasTransactionFields(Schema schema) {
        Field count = schema.field("event_count");
        Field collections = schema.field("data_collections");
        if (count == null || count.schema().type() != Schema.Type.INT64 || collections == null
                || collections.schema().type() != Schema.Type.ARRAY) {
            return false;
        }
        Schema element = collections.schema().valueSchema();
        return element.type() == Schema.Type.STRUCT && element.field("data_collection") != null;
    }

    /** Null (a BEGIN) or a list of maps each naming its data_collection. */
    private static boolean collectionsList(Object collections) {
        if (collections == null) {
            return true;
        }
        if (!(collections instanceof List<?> list)) {
            return false;
        }
        for (Object element : list) {
            if (!(element instanceof Map<?, ?> entry) || !entry.containsKey("data_collection")) {
                return false;
            }
        }
        return true;
    }
}
