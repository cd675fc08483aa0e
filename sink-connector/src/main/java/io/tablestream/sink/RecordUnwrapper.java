package io.tablestream.sink;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a record into a {@link SinkOp}: a tombstone is a delete; a change envelope (a Struct with {@code op} and
 * {@code after}/{@code before}, as our source's CDC topics and Debezium's carry) is unwrapped to its row state, with
 * {@code op=d} a delete; any other Struct is a row as it is.
 */
final class RecordUnwrapper {

    private static final Logger log = LoggerFactory.getLogger(RecordUnwrapper.class);

    private final boolean deleteEnabled;

    RecordUnwrapper(boolean deleteEnabled) {
        this.deleteEnabled = deleteEnabled;
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
        Records.requireWritableValue(record);
        Schema schema = record.valueSchema();
        if (schema == null || !isEnvelope(schema)) { // a schemaless map is a row as it is
            return new SinkOp(record, record, false);
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
        return new SinkOp(record, withValue(record, after), false);
    }

    private SinkOp deleteOrSkip(SinkRecord original, SinkRecord row) {
        if (!deleteEnabled) {
            log.debug("Skipping the delete at {}: {} is false", Records.position(original),
                    PostgresSinkConfig.DELETE_ENABLED_CONFIG);
            return null;
        }
        return new SinkOp(original, row, true);
    }

    private static SinkRecord withValue(SinkRecord record, Struct value) {
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                value.schema(), value, record.timestamp());
    }

    /** {@code op} is a string and {@code after} a Struct: Debezium's Envelope and our source's change records. */
    static boolean isEnvelope(Schema schema) {
        Field op = schema.field("op");
        Field after = schema.field("after");
        return op != null && op.schema().type() == Schema.Type.STRING
                && after != null && after.schema().type() == Schema.Type.STRUCT;
    }
}
