package io.tablestream.enricher;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.nio.charset.StandardCharsets;

/**
 * Turns every form a CDC source gives a delete into a tombstone (null value), the one form the joins know:
 * <ul>
 * <li>a tombstone, or a record whose value is JSON null;</li>
 * <li>a record with header {@code op} = {@code d}, whatever its value (the old key, or the old row);</li>
 * <li>a row with field {@code __deleted} = {@code "true"} ({@code delete.handling.mode=rewrite}).</li>
 * </ul>
 * Headers are kept, so the output tombstone still says {@code op=d}.
 */
final class DeletesToTombstones<K> implements FixedKeyProcessor<K, SchemaAndValue, SchemaAndValue> {

    static final String OP_HEADER = "op";
    static final String DELETE_OP = "d";
    static final String DELETED_FIELD = "__deleted";

    private FixedKeyProcessorContext<K, SchemaAndValue> context;

    @Override
    public void init(FixedKeyProcessorContext<K, SchemaAndValue> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<K, SchemaAndValue> record) {
        context.forward(isDelete(record.headers(), record.value()) ? record.withValue(null) : record);
    }

    static boolean isDelete(Headers headers, SchemaAndValue value) {
        if (value == null || value.value() == null || isDeleteOp(headers.lastHeader(OP_HEADER))) {
            return true;
        }
        if (value.value() instanceof Struct row && row.schema().field(DELETED_FIELD) != null) {
            Object deleted = row.getWithoutDefault(DELETED_FIELD);
            return deleted != null && Boolean.parseBoolean(deleted.toString().trim());
        }
        return false;
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
