package io.tablestream.enricher;

import io.tablestream.jdbc.ChangeEvents;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Turns every form a CDC source gives a change into what the joins know: a row (a Struct), or for a delete a
 * tombstone (null value). A delete is:
 * <ul>
 * <li>a tombstone, or a record whose value is JSON null;</li>
 * <li>a record with header {@code op} = {@code d}, whatever its value (the old key, or the old row);</li>
 * <li>a row with field {@code __deleted} = {@code "true"} ({@code delete.handling.mode=rewrite});</li>
 * <li>a change envelope (a Struct with a string {@code op} and a Struct {@code after}, as Debezium and our source
 * with {@code envelope=debezium} write it) with {@code op=d}.</li>
 * </ul>
 * Any other envelope becomes its {@code after} row: joined as an envelope, its join field would be missing (a bad
 * record) and the lookup fields would be {@code before}, {@code after}, {@code source}. Records that change no row
 * are skipped, as the sink skips them ({@link ChangeEvents}): logical decoding messages ({@code op=m}), transaction
 * boundaries, and an envelope without {@code after} that is no delete (a truncate). Headers are kept, so the output
 * tombstone still says {@code op=d}.
 */
final class DeletesToTombstones<K> implements FixedKeyProcessor<K, SchemaAndValue, SchemaAndValue> {

    static final String OP_HEADER = "op";
    static final String DELETE_OP = "d";
    static final String OP_FIELD = "op";
    static final String AFTER_FIELD = "after";
    private static final Logger log = LoggerFactory.getLogger(DeletesToTombstones.class);

    private FixedKeyProcessorContext<K, SchemaAndValue> context;

    @Override
    public void init(FixedKeyProcessorContext<K, SchemaAndValue> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<K, SchemaAndValue> record) {
        if (changesNoRow(record.headers(), record.value())) {
            log.debug("Skipping a record that changes no row (a message, transaction or truncate event)");
            return;
        }
        SchemaAndValue row = rowOf(record.headers(), record.value());
        context.forward(row == record.value() ? record : record.withValue(row));
    }

    /** A logical decoding message, a transaction boundary or an envelope without row that is no delete. */
    static boolean changesNoRow(Headers headers, SchemaAndValue value) {
        if (value == null || value.value() == null || isDeleteOp(headers.lastHeader(OP_HEADER))) {
            return false;
        }
        if (ChangeEvents.changesNoRow(value.schema(), value.value())) {
            return true;
        }
        return value.value() instanceof Struct struct && ChangeEvents.isEnvelope(struct.schema())
                && struct.getWithoutDefault(AFTER_FIELD) == null
                && !DELETE_OP.equals(struct.getWithoutDefault(OP_FIELD));
    }

    /**
     * The row {@code value} carries, {@code value} itself unless it is an envelope; null for a delete. For a record
     * that {@link #changesNoRow changes no row}, null too: callers skip those first.
     */
    static SchemaAndValue rowOf(Headers headers, SchemaAndValue value) {
        if (value == null || value.value() == null || isDeleteOp(headers.lastHeader(OP_HEADER))) {
            return null;
        }
        if (!(value.value() instanceof Struct struct)) {
            return value;
        }
        if (ChangeEvents.isEnvelope(struct.schema())) {
            Struct after = (Struct) struct.getWithoutDefault(AFTER_FIELD);
            return after == null || DELETE_OP.equals(struct.getWithoutDefault(OP_FIELD)) ? null
                    : new SchemaAndValue(after.schema(), after);
        }
        return ChangeEvents.isRewrittenDelete(struct) ? null : value;
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
