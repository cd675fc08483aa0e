package io.tablestream.sink;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Derives a table's columns from a record's schemas: first the primary key columns per {@code pk.mode}, then every
 * value field that is not already a key column (with record_key, a value field named like a key column is written
 * once, from the key). The {@code __deleted} marker of rewritten deletes is no column: rows carrying it true are
 * deletes, so in the table it would only ever read false.
 */
final class ColumnMapping {

    private ColumnMapping() {
    }

    /** The key columns, then the value fields ({@code fields.include.list} only, when set); {@code keysOnly} for deletes. */
    static List<SinkColumn> columns(PkMode pkMode, List<String> pkFields, List<String> includedFields,
                                    SinkRecord sample, boolean keysOnly) {
        List<SinkColumn> columns = new ArrayList<>(switch (pkMode) {
            case NONE -> List.<SinkColumn>of();
            case KAFKA -> kafkaColumns(pkFields);
            case RECORD_KEY -> recordKeyColumns(pkFields, sample);
            case RECORD_VALUE -> recordValueKeyColumns(pkFields, sample);
        });
        if (keysOnly) {
            return List.copyOf(columns);
        }
        Set<String> keyNames = columns.stream().map(SinkColumn::name).collect(Collectors.toSet());
        Set<String> included = Set.copyOf(includedFields);
        for (Field field : sample.valueSchema().fields()) {
            if (!keyNames.contains(field.name()) && !RecordUnwrapper.DELETED_FIELD.equals(field.name())
                    && (included.isEmpty() || included.contains(field.name()))) {
                columns.add(column(field.name(), field.schema(), false, valueSource(field), "value", sample));
            }
        }
        if (columns.isEmpty()) {
            throw new ConnectException("The record at " + Records.position(sample)
                    + " gives no columns: its value Struct has no fields and pk.mode is none");
        }
        return List.copyOf(columns);
    }

    /** The default names of the pk.mode=kafka columns: topic, partition, offset. */
    static final List<String> KAFKA_COLUMNS = List.of("__connect_topic", "__connect_partition", "__connect_offset");

    /**
     * The record's Kafka coordinates, which identify it uniquely; named by {@code pkFields} when it has three names
     * (the configuration refuses other counts), else {@link #KAFKA_COLUMNS}.
     */
    static List<SinkColumn> kafkaColumns(List<String> pkFields) {
        List<String> names = pkFields.size() == KAFKA_COLUMNS.size() ? pkFields : KAFKA_COLUMNS;
        return List.of(
                SinkColumn.of(names.get(0), Schema.STRING_SCHEMA, true, SinkRecord::topic),
                SinkColumn.of(names.get(1), Schema.INT32_SCHEMA, true, SinkRecord::kafkaPartition),
                SinkColumn.of(names.get(2), Schema.INT64_SCHEMA, true, SinkRecord::kafkaOffset));
    }

    private static List<SinkColumn> recordKeyColumns(List<String> pkFields, SinkRecord sample) {
        Schema keySchema = sample.keySchema();
        if (keySchema == null) {
            throw new ConnectException(PostgresSinkConfig.PK_MODE_CONFIG + "=" + PkMode.RECORD_KEY.configValue()
                    + " needs records with a key schema, but the record at " + Records.position(sample)
                    + " has none: use a key converter with schemas, e.g. JsonConverter with "
                    + "key.converter.schemas.enable=true, or StringConverter for a string key");
        }
        if (keySchema.type() != Schema.Type.STRUCT) {
            if (pkFields.size() != 1) {
                throw new ConnectException(PostgresSinkConfig.PK_FIELDS_CONFIG + " must name exactly one column for "
                        + "the primitive " + keySchema.type() + " key of topic '" + sample.topic() + "' (pk.mode="
                        + PkMode.RECORD_KEY.configValue() + "), e.g. pk.fields=id; it is " + pkFields);
            }
            return List.of(column(pkFields.get(0), keySchema, true, ColumnMapping::requireKey, "key", sample));
        }
        List<String> names = pkFields.isEmpty()
                ? keySchema.fields().stream().map(Field::name).toList()
                : pkFields;
        if (names.isEmpty()) {
            throw new ConnectException("The record key of topic '" + sample.topic() + "' is a Struct without fields, "
                    + "so pk.mode=" + PkMode.RECORD_KEY.configValue() + " gives no primary key");
        }
        List<SinkColumn> columns = new ArrayList<>();
        for (String name : distinct(names)) {
            Field field = requireField(keySchema, name, "key", sample);
            columns.add(column(name, field.schema(), true, r -> ((Struct) requireKey(r)).get(field), "key", sample));
        }
        return columns;
    }

    private static List<SinkColumn> recordValueKeyColumns(List<String> pkFields, SinkRecord sample) {
        List<SinkColumn> columns = new ArrayList<>();
        for (String name : distinct(pkFields)) {
            Field field = requireField(sample.valueSchema(), name, "value", sample);
            columns.add(column(name, field.schema(), true, valueSource(field), "value", sample));
        }
        return columns;
    }

    private static Function<SinkRecord, Object> valueSource(Field field) {
        return r -> ((Struct) r.value()).get(field);
    }

    private static Object requireKey(SinkRecord record) {
        if (record.key() == null) {
            throw new ConnectException("The record at " + Records.position(record) + " has a null key, but pk.mode="
                    + PkMode.RECORD_KEY.configValue() + " takes the primary key from it");
        }
        return record.key();
    }

    private static List<String> distinct(List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw new ConnectException(PostgresSinkConfig.PK_FIELDS_CONFIG + " names '" + name + "' twice: "
                        + names);
            }
        }
        return names;
    }

    private static Field requireField(Schema struct, String name, String part, SinkRecord sample) {
        Field field = struct.field(name);
        if (field == null) {
            throw new ConnectException(PostgresSinkConfig.PK_FIELDS_CONFIG + " names '" + name
                    + "', which is not a field of the record " + part + " of topic '" + sample.topic() + "'; its "
                    + part + " fields are " + struct.fields().stream().map(Field::name).toList());
        }
        return field;
    }

    private static SinkColumn column(String name, Schema schema, boolean primaryKey,
                                     Function<SinkRecord, Object> source, String part,
                                     SinkRecord sample) {
        try {
            return SinkColumn.of(name, schema, primaryKey, source);
        } catch (IllegalArgumentException e) {
            throw new ConnectException("The " + part + " field '" + name + "' of topic '" + sample.topic()
                    + "' cannot be a PostgreSQL column: " + e.getMessage(), e);
        }
    }
}
