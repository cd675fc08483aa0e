package io.tablestream.enricher;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.nio.charset.StandardCharsets;

/**
 * Turns every form a CDC source gives a change into what the joins know: a row (a Struct), or for a delete a
 * tombstone (null value). A delete is:
 * <ul>
 * <li>a tombstone, or a record whose value is JSON null;</li>
 * <li>a record with header {@code op} = {@code d}, whatever its value (the old key, or the old row);</li>
 * <li>a row with field {@code __deleted} = {@code "true"} ({@code delete.handling.mode=rewrite});</li>
 * <li>a change envelope (a Struct with a string {@code op} and a Struct {@code after}, as Debezium and our source
 * with {@code envelope=debezium} write it) with {@code op=d}, or without {@code after} (a truncate).</li>
 * </ul>
 * Any other envelope becomes its {@code after} row: joined as an envelope, its join field would be missing (a bad
 * record) and the lookup fields would be {@code before}, {@code after}, {@code source}. Headers are kept, so the
 * output tombstone still says {@code op=d}.
 */
final class DeletesToTombstones<K> implements FixedKeyProcessor<K, SchemaAndValue, SchemaAndValue> {

    static final String OP_HEADER = "op";
    static final String DELETE_OP = "d";
    static final String DELETED_FIELD = "__deleted";
    static final String OP_FIELD = "op";
    static final String AFTER_FIELD = "after";

    private FixedKeyProcessorContext<K, SchemaAndValue> context;

    @Override
    public void init(FixedKeyProcessorContext<K, SchemaAndValue> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<K, SchemaAndValue> record) {
        SchemaAndValue row = rowOf(record.headers(), record.value());
        context.forward(row == record.value() ? record : record.withValue(row));
    }

    /** The row {@code value} carries, {@code value} itself unless it is an envelope; null for a delete. */
    static SchemaAndValue rowOf(Headers headers, SchemaAndValue value) {
        if (value == null || value.value() == null || isDeleteOp(headers.lastHeader(OP_HEADER))) {
            return null;
        }
        if (!(value.value() instanceof Struct struct)) {
            return value;
        }
        if (isEnvelope(struct.schema())) {
            Struct after = (Struct) struct.getWithoutDefault(AFTER_FIELD);
            return after == null || DELETE_OP.equals(struct.getWithoutDefault(OP_FIELD)) ? null
                    : new SchemaAndValue(after.schema(), after);
        }
        if (struct.schema().field(DELETED_FIELD) != null) {
            Object deleted = struct.getWithoutDefault(DELETED_FIELD);
            return deleted != null && Boolean.parseBoolean(deleted.toString().trim()) ? null : value;
        }
        return value;
    }

    /** {@code op} is a string and {@code after} a Struct: Debezium's Envelope and our source's. */
    private static boolean isEnvelope(Schema schema) {
        Field op = schema.field(OP_FIELD);
        Field after = schema.field(AFTER_FIELD);
        return op != null && op.schema().type() == Schema.Type.STRING
                && after != null && after.schema().type() == Schema.Type.STRUCT;
    }

    /** {@code d} as Connect's SimpleHeaderConverter writes it, or {@code "d"} as a JSON header converter does. */
    private static boolean isDeleteOp(Header op) {
        if (op == null || op.value() == null) {
            return false;
        }
        String text = new String(op.value(), StandardCharsets.UTF_8).trim();
        return text.equals(DELETE_OP) || text.equals("\"" + DELETE_OP + "\"");
    }
}
