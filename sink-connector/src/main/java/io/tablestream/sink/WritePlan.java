package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How records of one schema are written to one table: the columns and the SQL, built once per (table, schemas) so
 * writing a record only extracts and converts its values. {@code tableSql} and the columns' {@code sqlName} are the
 * names as quote.sql.identifiers writes them. {@code bindOrder} is the columns in the order the batch statement binds
 * them (for update: values, then keys). {@code unavailableColumns}: value fields the records do not carry, left out
 * of {@code columns}, so their table values stay as they are. {@code writes} and {@code deletes} run the rows'
 * writes and deletes (null where the plan has none: deletes only, an update of key columns only, no key).
 * {@code binaryCopy}: its COPY is binary, every column having a {@link SinkColumn#binaryEncoder} for the table's
 * column types, checked in each transaction; null for text.
 */
record WritePlan(TableId table, String tableSql, InsertMode mode, List<SinkColumn> columns, List<SinkColumn> keys,
                 List<SinkColumn> bindOrder, String insertSql, String deleteSql, String createTableSql,
                 boolean deletesOnly, Set<String> unavailableColumns, WriteStrategy writes, WriteStrategy deletes,
                 BinaryCopy binaryCopy) {

    /** Whether rows are written without some of their columns: a new key then gets those columns' defaults. */
    boolean partial() {
        return !unavailableColumns.isEmpty();
    }

    static WritePlan create(PostgresSinkConfig config, TableId table, SinkRecord sample) {
        return create(config, table, sample, false, Set.of());
    }

    static WritePlan create(PostgresSinkConfig config, TableId table, SinkRecord sample, boolean deletesOnly,
                            Set<String> unavailableColumns) {
        List<SinkColumn> columns = ColumnMapping.columns(config.pkMode(), config.pkFields(),
                config.fieldsIncludeList(), sample, deletesOnly);
        return of(config, table, columns, deletesOnly, true, unavailableColumns);
    }

    /**
     * A plan for given columns; {@code creatable} false where the table must exist (schemaless records). The value
     * columns named in {@code unavailableColumns} are left out of the written ones, not out of CREATE TABLE.
     */
    static WritePlan of(PostgresSinkConfig config, TableId table, List<SinkColumn> namedColumns, boolean deletesOnly,
                        boolean creatable, Set<String> unavailableColumns) {
        return of(config, table, namedColumns, deletesOnly, creatable, unavailableColumns, null);
    }

    /** This plan with its columns as {@code fitted}: the same columns, typed for the table's column types. */
    WritePlan withColumns(PostgresSinkConfig config, List<SinkColumn> fitted) {
        return of(config, table, fitted, deletesOnly, createTableSql != null, unavailableColumns, binaryCopy);
    }

    /** This plan writing with binary COPY: its columns carry their encoders, {@code binary} checks the types. */
    WritePlan withBinaryCopy(PostgresSinkConfig config, List<SinkColumn> encodedColumns, BinaryCopy binary) {
        return of(config, table, encodedColumns, deletesOnly, createTableSql != null, unavailableColumns, binary);
    }

    private static WritePlan of(PostgresSinkConfig config, TableId table, List<SinkColumn> namedColumns,
                                boolean deletesOnly, boolean creatable, Set<String> unavailableColumns,
                                BinaryCopy binaryCopy) {
        QuoteIdentifiers quoting = config.quoteIdentifiers();
        InsertMode mode = config.insertMode();
        String tableSql = quoting.table(table, PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG);
        List<SinkColumn> allColumns = namedColumns.stream().map(c -> c.writtenWith(quoting, table)).toList();
        List<SinkColumn> columns = allColumns.stream()
                .filter(c -> c.primaryKey() || !unavailableColumns.contains(c.name())).toList();
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        List<SinkColumn> values = columns.stream().filter(c -> !c.primaryKey()).toList();
        boolean nothingToUpdate = mode == InsertMode.UPDATE && values.isEmpty();
        List<SinkColumn> bindOrder = mode == InsertMode.UPDATE
                ? Stream.concat(values.stream(), keys.stream()).toList() : columns;
        String write = deletesOnly || nothingToUpdate ? null : PostgresSql.insertOrUpdate(tableSql, columns, mode);
        String delete = keys.isEmpty() ? null : PostgresSql.delete(tableSql, keys);
        boolean partial = !unavailableColumns.isEmpty();
        WriteMethod method = config.writeMethod();
        boolean binary = binaryCopy != null;
        return new WritePlan(table, tableSql, mode, columns, keys, new ArrayList<>(bindOrder), write, delete,
                creatable ? PostgresSql.createTable(tableSql, allColumns) : null, deletesOnly,
                Set.copyOf(unavailableColumns),
                write == null ? null
                        : WriteStrategy.forWrites(method, mode, table, tableSql, columns, partial, write, binary),
                delete == null ? null : WriteStrategy.forDeletes(method, tableSql, keys, delete, binary), binaryCopy);
    }
}
