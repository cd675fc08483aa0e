package io.tablestream.sink;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.SchemalessTypes;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Columns for records without a schema whose value is a map (JsonConverter with schemas.enable=false): the table
 * must exist; each map entry goes to the column of the same name and is bound as text the server reads with that
 * column's type from the catalog. Key columns follow pk.mode as for records with a schema.
 */
final class SchemalessMapping {

    private SchemalessMapping() {
    }

    /** Whether the chunk's sample is written by name: a schemaless map value, or for deletes a schemaless map key. */
    static boolean applies(SinkRecord sample, boolean deletesOnly) {
        return deletesOnly ? sample.keySchema() == null && sample.key() instanceof Map<?, ?>
                : sample.valueSchema() == null && sample.value() instanceof Map<?, ?>;
    }

    /**
     * The key columns per pk.mode, then the map's other entries ({@code fields.include.list} only, when set), in the
     * table's column order; {@code tableColumns} maps the table's column names to their types.
     */
    static List<SinkColumn> columns(PostgresSinkConfig config, TableId table, Map<String, String> tableColumns,
                                    SinkRecord sample, boolean keysOnly) {
        List<SinkColumn> columns = new ArrayList<>();
        switch (config.pkMode()) {
            case NONE -> { }
            case KAFKA -> columns.addAll(ColumnMapping.kafkaColumns(config.pkFields()));
            case RECORD_KEY -> columns.addAll(recordKeyColumns(config.pkFields(), table, tableColumns, sample));
            case RECORD_VALUE -> {
                for (String name : config.pkFields()) {
                    columns.add(column(name, true, r -> entry(r.value(), name, r), table, tableColumns, sample));
                }
            }
        }
        if (keysOnly) {
            return List.copyOf(columns);
        }
        Set<String> keyNames = new LinkedHashSet<>(columns.stream().map(SinkColumn::name).toList());
        Set<String> included = Set.copyOf(config.fieldsIncludeList());
        Set<String> fields = new LinkedHashSet<>();
        ((Map<?, ?>) sample.value()).keySet().forEach(k -> fields.add(String.valueOf(k)));
        fields.removeIf(f -> keyNames.contains(f) || RecordUnwrapper.DELETED_FIELD.equals(f)
                || !included.isEmpty() && !included.contains(f));
        List<String> unknown = fields.stream().filter(f -> !tableColumns.containsKey(f)).toList();
        if (!unknown.isEmpty()) {
            throw new ConnectException("The fields " + unknown + " of the schemaless record at "
                    + Records.position(sample) + " have no column in table " + table + " (its columns are "
                    + tableColumns.keySet() + "): add the columns, or leave the fields out with "
                    + PostgresSinkConfig.FIELDS_INCLUDE_LIST_CONFIG);
        }
        for (String name : tableColumns.keySet()) {
            if (fields.contains(name)) {
                columns.add(column(name, false, r -> entry(r.value(), name, r), table, tableColumns, sample));
            }
        }
        if (columns.isEmpty()) {
            throw new ConnectException("The schemaless record at " + Records.position(sample)
                    + " gives no columns: its map is empty and pk.mode is none");
        }
        return List.copyOf(columns);
    }

    private static List<SinkColumn> recordKeyColumns(List<String> pkFields, TableId table,
                                                     Map<String, String> tableColumns, SinkRecord sample) {
        if (sample.key() instanceof Map<?, ?> key) {
            List<String> names = pkFields.isEmpty() ? key.keySet().stream().map(String::valueOf).toList() : pkFields;
            List<SinkColumn> columns = new ArrayList<>();
            for (String name : names) {
                columns.add(column(name, true, r -> entry(r.key(), name, r), table, tableColumns, sample));
            }
            return columns;
        }
        if (pkFields.size() != 1) {
            throw new ConnectException(PostgresSinkConfig.PK_FIELDS_CONFIG + " must name exactly one column for the "
                    + "primitive key of topic '" + sample.topic() + "' (pk.mode=" + PkMode.RECORD_KEY.configValue()
                    + "); it is " + pkFields);
        }
        return List.of(column(pkFields.get(0), true, r -> {
            if (r.key() == null) {
                throw new ConnectException("The record at " + Records.position(r) + " has a null key, but pk.mode="
                        + PkMode.RECORD_KEY.configValue() + " takes the primary key from it");
            }
            return r.key();
        }, table, tableColumns, sample));
    }

    private static Object entry(Object map, String name, SinkRecord record) {
        if (!(map instanceof Map<?, ?> entries) || !entries.containsKey(name)) {
            throw new ConnectException("The schemaless record at " + Records.position(record) + " has no field '"
                    + name + "', which is a primary key column (" + PostgresSinkConfig.PK_FIELDS_CONFIG + ")");
        }
        return entries.get(name);
    }

    private static SinkColumn column(String name, boolean primaryKey, Function<SinkRecord, Object> source,
                                     TableId table, Map<String, String> tableColumns, SinkRecord sample) {
        String type = tableColumns.get(name);
        if (type == null) {
            throw new ConnectException("Table " + table + " has no column '" + name + "' for the primary key of the "
                    + "schemaless records of topic '" + sample.topic() + "'; its columns are " + tableColumns.keySet());
        }
        return new SinkColumn(name, null, primaryKey, source, Identifiers.quote(name),
                SchemalessTypes.forColumn(type));
    }
}
