package io.tablestream.source.cdc;

import io.tablestream.jdbc.Version;
import io.tablestream.source.TableSchema;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.postgresql.replication.LogSequenceNumber;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One row change and the records it becomes: the row after the change (flat) or a Debezium-style envelope, with
 * the change metadata in headers. A flat delete is a tombstone with the change headers ({@code
 * delete.handling.mode=tombstone}) or the last known row marked deleted ({@code rewrite}); a Debezium delete is an
 * envelope without {@code after}; either of the latter two is followed by a tombstone with {@code
 * tombstones.on.delete}. A truncate becomes one record without key (flat: without value either) per truncated table.
 *
 * @param op     c (insert), u (update), d (delete), t (truncate) or r (read by the snapshot)
 * @param key    the primary key, null for a table without one
 * @param before the row before the change, when the replica identity sends it (deletes: at least the key)
 * @param after  the row after the change, null for a delete
 * @param unavailableColumns columns whose values the WAL does not carry (null or a placeholder in {@code after}),
 *                           named in the header {@value UnavailableValues#HEADER}
 * @param relationOid the pg_class oid of the table a streamed change was written to, as its relation message gives
 *                    it (0: a row a snapshot read); its records carry it ({@link ChangeRecord})
 */
record ChangeEvent(TableSchema schema, String topic, char op, Struct key, Struct before, Struct after,
                   long lsn, long txid, long commitTimeMs, List<String> unavailableColumns, long relationOid) {

    /** A change whose every value is known, read by a snapshot. */
    ChangeEvent(TableSchema schema, String topic, char op, Struct key, Struct before, Struct after,
                long lsn, long txid, long commitTimeMs) {
        this(schema, topic, op, key, before, after, lsn, txid, commitTimeMs, List.of(), 0);
    }

    /**
     * A record that knows the table its change was written to: the WAL names a table as it was then, so two tables
     * (one dropped or renamed, another created under its name) can share a topic, and only the oid tells them apart.
     * Connect never sees the oid (it is no header): only the task reads it, before handing the record over.
     */
    static final class ChangeRecord extends SourceRecord {

        private final long relationOid;

        ChangeRecord(long relationOid, Map<String, ?> partition, Map<String, ?> offset, String topic, Schema keySchema,
                     Object key, Schema valueSchema, Object value, Long timestamp, ConnectHeaders headers) {
            super(partition, offset, topic, null, keySchema, key, valueSchema, value, timestamp, headers);
            this.relationOid = relationOid;
        }

        /** The pg_class oid of the table the change was written to (0: not a streamed change). */
        long relationOid() {
            return relationOid;
        }
    }

    static final String OP_HEADER = "op";
    static final String LSN_HEADER = "lsn";
    static final String TXID_HEADER = "txid";
    static final String COMMIT_TIME_HEADER = "commit_ts_ms";

    private static final Map<Schema, Schema> ENVELOPES = new ConcurrentHashMap<>();
    private static final Schema SOURCE_SCHEMA = SchemaBuilder.struct().name("io.tablestream.source.cdc.Source")
            .field("version", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("snapshot", Schema.BOOLEAN_SCHEMA)
            .field("lsn", Schema.INT64_SCHEMA)
            .field("txId", Schema.INT64_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();

    List<SourceRecord> toRecords(Map<String, ?> partition, Map<String, ?> offset, RecordFormat format) {
        List<SourceRecord> records = new ArrayList<>(2);
        Schema keySchema = op == 't' ? null : schema.keySchema();
        if (format.debeziumEnvelope()) {
            Schema envelope = envelopeSchema(schema.valueSchema());
            records.add(new ChangeRecord(relationOid, partition, offset, topic, keySchema, key, envelope,
                    envelope(envelope), commitTimeMs, headers(true)));
        } else if (op == 't') {
            records.add(new ChangeRecord(relationOid, partition, offset, topic, null, null, null, null,
                    commitTimeMs, headers(true)));
        } else if (format.rewritesDeletes()) {
            Schema rewritten = RecordFormat.rewrittenSchema(schema.valueSchema(), schema.keyColumns());
            Struct row = op == 'd' ? lastKnownRow() : after;
            records.add(new ChangeRecord(relationOid, partition, offset, topic, keySchema, key, rewritten,
                    RecordFormat.rewrite(row, rewritten, op == 'd'), commitTimeMs, headers(true)));
        } else if (op == 'd') {
            // The delete is the tombstone itself: a row-shaped value would read as the row, which is gone.
            records.add(new ChangeRecord(relationOid, partition, offset, topic, keySchema, key, null, null,
                    commitTimeMs, headers(true)));
        } else {
            records.add(new ChangeRecord(relationOid, partition, offset, topic, keySchema, key,
                    schema.valueSchema(), after, commitTimeMs, headers(true)));
        }
        if (op == 'd' && key != null && format.tombstoneAfterDelete()) {
            records.add(new ChangeRecord(relationOid, partition, offset, topic, keySchema, key, null, null,
                    commitTimeMs, headers(false)));
        }
        return records;
    }

    /** The row a delete removed, as far as the replica identity sent it: at least the key. */
    private Struct lastKnownRow() {
        return before != null ? before : key;
    }

    private ConnectHeaders headers(boolean withOp) {
        char opValue = withOp ? op : NO_OP;
        ChangeHeaders shared = lastHeaders;
        if (!shared.matches(opValue, lsn, txid, commitTimeMs)) {
            shared = ChangeHeaders.of(opValue, lsn, txid, commitTimeMs);
            lastHeaders = shared;
        }
        // A list of the record's own, as transforms may add to it or remove from it; the headers in it are immutable.
        ConnectHeaders headers = new ConnectHeaders(shared.headers());
        if (withOp && !unavailableColumns.isEmpty()) {
            headers.addString(UnavailableValues.HEADER, UnavailableValues.headerValue(unavailableColumns));
        }
        return headers;
    }

    private static final char NO_OP = 0;

    /**
     * The change headers of the last record made: the records of one transaction, and those of a snapshot chunk
     * made in the same millisecond, have the same, so they share the header objects. Each record holds them until
     * Kafka acknowledges it, and with the producer's buffer full tens of thousands of records wait in the worker,
     * which collects garbage the more often the more they hold: sharing takes a benchmark row's record from about
     * 900 bytes of heap to 560. Threads that race here only share less.
     */
    private static volatile ChangeHeaders lastHeaders = ChangeHeaders.of(NO_OP, -1, -1, -1);

    private record ChangeHeaders(char op, long lsn, long txid, long commitTimeMs, ConnectHeaders headers) {

        static ChangeHeaders of(char op, long lsn, long txid, long commitTimeMs) {
            ConnectHeaders headers = new ConnectHeaders();
            if (op != NO_OP) {
                headers.addString(OP_HEADER, String.valueOf(op));
            }
            headers.addString(LSN_HEADER, lsnText(lsn));
            headers.addLong(TXID_HEADER, txid);
            headers.addLong(COMMIT_TIME_HEADER, commitTimeMs);
            return new ChangeHeaders(op, lsn, txid, commitTimeMs, headers);
        }

        boolean matches(char op, long lsn, long txid, long commitTimeMs) {
            return this.op == op && this.lsn == lsn && this.txid == txid && this.commitTimeMs == commitTimeMs;
        }
    }

    /**
     * The LSN as PostgreSQL writes it ({@code 16/B374D848}), as {@link LogSequenceNumber#asString()} gives it but
     * without its String.format, as this runs for every record.
     */
    static String lsnText(long lsn) {
        return Integer.toHexString((int) (lsn >>> 32)).toUpperCase(Locale.ROOT) + "/"
                + Integer.toHexString((int) lsn).toUpperCase(Locale.ROOT);
    }

    private Struct envelope(Schema envelopeSchema) {
        Schema rowSchema = envelopeSchema.field("before").schema();
        Struct source = new Struct(SOURCE_SCHEMA)
                .put("version", Version.get())
                .put("connector", "tablestream")
                .put("schema", schema.table().schema())
                .put("table", schema.table().table())
                .put("snapshot", op == 'r')
                .put("lsn", lsn)
                .put("txId", txid)
                .put("ts_ms", commitTimeMs);
        return new Struct(envelopeSchema)
                .put("before", copy(op == 'd' ? lastKnownRow() : before, rowSchema))
                .put("after", copy(after, rowSchema))
                .put("op", String.valueOf(op))
                .put("source", source)
                .put("ts_ms", System.currentTimeMillis());
    }

    /** before/after use the row schema with every field optional: a before image may hold only the key. */
    private static Schema envelopeSchema(Schema valueSchema) {
        return ENVELOPES.computeIfAbsent(valueSchema, v -> {
            SchemaBuilder row = SchemaBuilder.struct().name(v.name()).optional();
            for (Field field : v.fields()) {
                row.field(field.name(), optionalCopy(field.schema()));
            }
            Schema rowSchema = row.build();
            String base = v.name().endsWith(".Value") ? v.name().substring(0, v.name().length() - 6) : v.name();
            return SchemaBuilder.struct().name(base + ".Envelope")
                    .field("before", rowSchema)
                    .field("after", rowSchema)
                    .field("op", Schema.STRING_SCHEMA)
                    .field("source", SOURCE_SCHEMA)
                    .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                    .build();
        });
    }

    static Schema optionalCopy(Schema schema) {
        SchemaBuilder copy = new SchemaBuilder(schema.type()).name(schema.name()).version(schema.version()).optional();
        if (schema.parameters() != null) {
            copy.parameters(schema.parameters());
        }
        return copy.build();
    }

    private static Struct copy(Struct row, Schema rowSchema) {
        if (row == null) {
            return null;
        }
        Struct copy = new Struct(rowSchema);
        for (Field field : rowSchema.fields()) {
            copy.put(field.name(), row.schema().field(field.name()) == null ? null : row.get(field.name()));
        }
        return copy;
    }
}
