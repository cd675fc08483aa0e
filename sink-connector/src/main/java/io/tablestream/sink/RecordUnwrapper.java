package io.tablestream.sink;

import io.tablestream.jdbc.ChangeEvents;
import io.tablestream.jdbc.Json;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a record into a {@link SinkOp}. A delete is any of the forms CDC sources write: a tombstone; a record whose
 * header {@code op} is {@code d} (our CDC source's flat delete record, whose value is only the key); a change
 * envelope (a Struct with {@code op} and {@code after}/{@code before}, as our source's CDC topics and Debezium's
 * carry) with {@code op=d}; a row whose {@code __deleted} field is true (Debezium's delete.handling.mode=rewrite and
 * ours). Each is recognised on its own, so a delete applies whichever put or chunk its record lands in. Any other
 * Struct is a row as it is; a header {@code unavailable.columns} names the fields it does not carry, as does
 * Debezium's unavailable-value placeholder in a field. Debezium's message and transaction events are no rows.
 */
final class RecordUnwrapper {

    private static final Logger log = LoggerFactory.getLogger(RecordUnwrapper.class);

    /** The header naming the operation of a change record: c, u, d, r or t. */
    static final String OP_HEADER = "op";
    /** The field a rewritten delete carries as "true" (other rows: "false"); never written as a column. */
    static final String DELETED_FIELD = ChangeEvents.DELETED_FIELD;
    /** The header listing, as a JSON array of names, the fields whose values the change did not carry. */
    static final String UNAVAILABLE_COLUMNS_HEADER = "unavailable.columns";
    /** Debezium's ExtractNewRecordState name of the operation: header (add.headers=op) or field (add.fields=op). */
    static final String DEBEZIUM_OP = "__op";
    private static final String UPDATE_OP = "u";
    private static final String CREATE_OP = "c";
    /**
     * Debezium's header on the create that follows a delete when an update changed the key: the create's row is that
     * update's, with its placeholders.
     */
    static final String DEBEZIUM_OLD_KEY_HEADER = "__debezium.oldkey";
    private static final Set<String> OPS = Set.of("c", "u", "d", "r", "t");

    private final boolean deleteEnabled;
    private final UnavailablePlaceholder placeholder;
    private final Set<String> transactionTopicsLogged = new HashSet<>();

    /** {@code placeholder}: Debezium's unavailable.value.placeholder, empty for none. */
    RecordUnwrapper(boolean deleteEnabled, String placeholder) {
        this.deleteEnabled = deleteEnabled;
        this.placeholder = new UnavailablePlaceholder(placeholder);
    }

    RecordUnwrapper(boolean deleteEnabled) {
        this(deleteEnabled, "");
    }

    /** The operation, or null when the record asks for nothing this sink does (a delete with deletes disabled). */
    SinkOp unwrap(SinkRecord record) {
        if (record.value() == null) {
            if (record.key() == null) { // no row to delete, e.g. our CDC source's truncate record
                log.debug("Skipping the record without key and value at {}", Records.position(record));
                return null;
            }
            return deleteOrSkip(record, record);
        }
        if (deleteHeader(record)) { // the value may be only the key: never a row to write
            return deleteOrSkip(record, record);
        }
        Records.requireWritableValue(record);
        Schema schema = record.valueSchema();
        if (schema != null && ChangeEvents.isMessageEvent(schema, record.value())) {
            log.debug("Skipping the logical decoding message (op=m) at {}: it changes no row",
                    Records.position(record));
            return null;
        }
        if (ChangeEvents.isTransactionEvent(record.value())) {
            if (transactionTopicsLogged.add(record.topic())) {
                log.info("Skipping Debezium's transaction boundary events of topic {} (first at {}): they change no"
                        + " row; logged once per topic", record.topic(), Records.position(record));
            }
            return null;
        }
        if (schema == null || !ChangeEvents.isEnvelope(schema)) { // a schemaless map is a row as it is
            return ChangeEvents.isRewrittenDelete(record.value()) ? deleteOrSkip(record, record)
                    : new SinkOp(record, record, false, unavailable(record, record.value(), flatOp(record)));
        }
        Struct envelope = (Struct) record.value();
        String op = envelope.getString("op");
        if ("d".equals(op)) {
            Struct before = schema.field("before") == null ? null : envelope.getStruct("before");
            return deleteOrSkip(record, before == null ? record : withValue(record, before));
        }
        Struct after = envelope.getStruct("after");
        if (after == null) {
            log.debug("Skipping the envelope with op={} and no 'after' at {}", op, Records.position(record));
            return null;
        }
        return new SinkOp(record, withValue(record, after), false, unavailable(record, after, op));
    }

    /**
     * The operation of a record that is a row as it is: the header {@code op} (our CDC source), or Debezium's
     * ExtractNewRecordState {@code __op} (as a header with add.headers=op, or a field with add.fields=op); null when
     * the record names none.
     */
    static String flatOp(SinkRecord record) {
        for (String name : new String[] {OP_HEADER, DEBEZIUM_OP}) {
            String op = headerOp(record.headers().lastWithName(name));
            if (op != null) {
                return op;
            }
        }
        Object value = record.value();
        Object op = null;
        if (value instanceof Struct struct) {
            Field field = struct.schema().field(DEBEZIUM_OP);
            op = field == null ? null : struct.get(field);
        } else if (value instanceof Map<?, ?> map) {
            op = map.get(DEBEZIUM_OP);
        }
        return op != null && OPS.contains(String.valueOf(op)) ? String.valueOf(op) : null;
    }

    /** The operation a header names, whatever the worker's header converter made of it; null if none it knows. */
    private static String headerOp(Header header) {
        if (header == null || header.value() == null) {
            return null;
        }
        Object value = header.value();
        String op = value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                : value instanceof ByteBuffer buffer ? StandardCharsets.UTF_8.decode(buffer.duplicate()).toString()
                : String.valueOf(value);
        return OPS.contains(op) ? op : null;
    }

    private SinkOp deleteOrSkip(SinkRecord original, SinkRecord row) {
        if (!deleteEnabled) {
            log.debug("Skipping the delete at {}: {} is false", Records.position(original),
                    PostgresSinkConfig.DELETE_ENABLED_CONFIG);
            return null;
        }
        return new SinkOp(original, row, true);
    }

    private static boolean deleteHeader(SinkRecord record) {
        return "d".equals(headerOp(record.headers().lastWithName(OP_HEADER)));
    }

    /**
     * The columns the header names and the fields holding the placeholder. Debezium puts the placeholder only in
     * the row of an update, which is an update or, when the update changed the key, the create after the delete
     * (with the header {@value #DEBEZIUM_OLD_KEY_HEADER}); any other record whose operation is known (a create, a
     * snapshot read) carries real values, even one equal to the placeholder. {@code op} null: unknown (a flattened
     * record without Debezium's {@code __op}), every record is scanned.
     */
    private Set<String> unavailable(SinkRecord record, Object row, String op) {
        Set<String> named = unavailableColumns(record);
        boolean mayHoldPlaceholders = op == null || UPDATE_OP.equals(op) || CREATE_OP.equals(op)
                && record.headers().lastWithName(DEBEZIUM_OLD_KEY_HEADER) != null;
        Set<String> placeheld = mayHoldPlaceholders ? placeholder.fields(row) : Set.of();
        if (placeheld.isEmpty()) {
            return named;
        }
        if (named.isEmpty()) {
            return placeheld;
        }
        Set<String> both = new LinkedHashSet<>(named);
        both.addAll(placeheld);
        return Set.copyOf(both);
    }

    /**
     * The names in the header {@code unavailable.columns}: a JSON array as text, or already an array when the
     * worker's header converter parsed it (SimpleHeaderConverter does).
     */
    static Set<String> unavailableColumns(SinkRecord record) {
        Header header = record.headers().lastWithName(UNAVAILABLE_COLUMNS_HEADER);
        if (header == null || header.value() == null) {
            return Set.of();
        }
        Object names;
        try {
            names = header.value() instanceof String text ? Json.parse(text) : header.value();
        } catch (IllegalArgumentException notJson) {
            names = null;
        }
        if (!(names instanceof List<?> list)) {
            throw new ConnectException("The header '" + UNAVAILABLE_COLUMNS_HEADER + "' of the record at "
                    + Records.position(record) + " is not a JSON array of column names, e.g. [\"big_text\"]");
        }
        if (list.isEmpty()) {
            return Set.of();
        }
        Set<String> columns = new LinkedHashSet<>();
        list.forEach(name -> columns.add(String.valueOf(name)));
        return Set.copyOf(columns);
    }

    private static SinkRecord withValue(SinkRecord record, Struct value) {
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                value.schema(), value, record.timestamp());
    }
}
