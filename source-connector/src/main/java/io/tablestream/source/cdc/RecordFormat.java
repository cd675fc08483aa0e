package io.tablestream.source.cdc;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a change becomes records, as the connector's config says: the envelope, what a delete becomes in the flat
 * envelope ({@code delete.handling.mode}) and whether a tombstone follows a delete record.
 */
record RecordFormat(boolean debeziumEnvelope, DeleteHandlingMode deleteHandlingMode, boolean tombstonesOnDelete) {

    /** The field {@code delete.handling.mode=rewrite} adds to every flat value: "true" on deletes, else "false". */
    static final String DELETED_FIELD = "__deleted";

    private static final Map<RewriteKey, Schema> REWRITTEN = new ConcurrentHashMap<>();

    private record RewriteKey(Schema valueSchema, List<String> keyColumns) {
    }

    static RecordFormat of(CdcConfig cdc) {
        return new RecordFormat(cdc.envelope() == Envelope.DEBEZIUM, cdc.deleteHandlingMode(), cdc.tombstonesOnDelete());
    }

    /** Flat values carry {@link #DELETED_FIELD} and deletes carry the last known row. */
    boolean rewritesDeletes() {
        return !debeziumEnvelope && deleteHandlingMode == DeleteHandlingMode.REWRITE;
    }

    /** A delete record (other than a flat one in tombstone mode, which is itself the tombstone) is followed by one. */
    boolean tombstoneAfterDelete() {
        return tombstonesOnDelete && (debeziumEnvelope || rewritesDeletes());
    }

    /**
     * The schema of rewritten values: the row's fields, all but the key's optional (a delete under REPLICA
     * IDENTITY DEFAULT knows only the key), then {@link #DELETED_FIELD}. The same for every record of a table, so
     * inserts and deletes share it.
     */
    static Schema rewrittenSchema(Schema valueSchema, List<String> keyColumns) {
        return REWRITTEN.computeIfAbsent(new RewriteKey(valueSchema, List.copyOf(keyColumns)), k -> {
            SchemaBuilder builder = SchemaBuilder.struct().name(valueSchema.name());
            for (Field field : valueSchema.fields()) {
                builder.field(field.name(), keyColumns.contains(field.name()) ? field.schema()
                        : ChangeEvent.optionalCopy(field.schema()));
            }
            return builder.field(DELETED_FIELD, Schema.OPTIONAL_STRING_SCHEMA).build();
        });
    }

    /** {@code row} (fields it lacks or leaves unset stay null) in the rewritten schema, with {@link #DELETED_FIELD}. */
    static Struct rewrite(Struct row, Schema rewrittenSchema, boolean deleted) {
        Struct value = new Struct(rewrittenSchema);
        for (Field field : rewrittenSchema.fields()) {
            if (!field.name().equals(DELETED_FIELD) && row.schema().field(field.name()) != null) {
                value.put(field.name(), row.get(field.name()));
            }
        }
        return value.put(DELETED_FIELD, String.valueOf(deleted));
    }
}
