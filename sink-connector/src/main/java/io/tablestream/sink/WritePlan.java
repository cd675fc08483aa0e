package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.LinkedHashSet;
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
 * column types, checked in each transaction; null for text. {@code tableColumns}: every column of CREATE TABLE,
 * unavailable ones too (null where the plan cannot create its table).
 */
record WritePlan(TableId table, String tableSql, InsertMode mode, List<SinkColumn> columns, List<SinkColumn> keys,
                 List<SinkColumn> bindOrder, String insertSql, String deleteSql, String createTableSql,
                 List<SinkColumn> tableColumns, boolean deletesOnly, Set<String> unavailableColumns, WriteStrategy writes, WriteStrategy deletes,
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
        QuoteIdentifiers quoting = config.quoteIdentifiers();
        List<SinkColumn> allColumns = namedColumns.stream().map(c -> c.writtenWith(quoting, table)).toList();
        Set<String> leftOut = leftOut(table, allColumns, unavailableColumns);
        List<SinkColumn> written = allColumns.stream().filter(c -> !leftOut.contains(c.name())).toList();
        return of(config, table, written, deletesOnly, creatable ? allColumns : null, leftOut, null);
    }

    /**
     * The written value columns among {@code unavailable}: a name the plan does not write (not a field, or not in
     * fields.include.list) leaves nothing out. A key column cannot be left out: the row would not be found.
     */
    private static Set<String> leftOut(TableId table, List<SinkColumn> columns, Set<String> unavailable) {
        if (unavailable.isEmpty()) {
            return Set.of();
        }
        Set<String> leftOut = new LinkedHashSet<>();
        for (SinkColumn column : columns) {
            if (!unavailable.contains(column.name())) {
                continue;
            }
            if (column.primaryKey()) {
                throw new ConnectException("Key column '" + column.name() + "' of table " + table + " has no value in"
                        + " the record: it holds Debezium's " + PostgresSinkConfig.UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG
                        + " (or the header " + RecordUnwrapper.UNAVAILABLE_COLUMNS_HEADER + " names it), an unchanged"
                        + " TOASTed value an update did not carry, so the row to update cannot be found. Set REPLICA"
                        + " IDENTITY FULL on the source table, or add Debezium's reselect post-processor"
                        + " (io.debezium.processors.reselect.ReselectColumnsPostProcessor) to the source connector so"
                        + " updates carry the value");
            }
            leftOut.add(column.name());
        }
        return Set.copyOf(leftOut);
    }

    /** This plan with its columns as {@code fitted}: the same columns, typed for the table's column types. */
    WritePlan withColumns(PostgresSinkConfig config, List<SinkColumn> fitted) {
        return of(config, table, fitted, deletesOnly, tableColumns, unavailableColumns, binaryCopy);
    }

    /** This plan writing with binary COPY: its columns carry their encoders, {@code binary} checks the types. */
    WritePlan withBinaryCopy(PostgresSinkConfig config, List<SinkColumn> encodedColumns, BinaryCopy binary) {
        return of(config, table, encodedColumns, deletesOnly, tableColumns, unavailableColumns, binary);
    }

    /** {@code writtenColumns} without the {@code leftOut} ones; {@code tableColumns} null: not creatable. */
    private static WritePlan of(PostgresSinkConfig config, TableId table, List<SinkColumn> writtenColumns,
                                boolean deletesOnly, List<SinkColumn> tableColumns, Set<String> leftOut,
                                BinaryCopy binaryCopy) {
        QuoteIdentifiers quoting = config.quoteIdentifiers();
        InsertMode mode = config.insertMode();
        String tableSql = quoting.table(table, PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG);
        List<SinkColumn> columns = writtenColumns.stream().map(c -> c.writtenWith(quoting, table)).toList();
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        List<SinkColumn> values = columns.stream().filter(c -> !c.primaryKey()).toList();
        boolean nothingToUpdate = mode == InsertMode.UPDATE && values.isEmpty();
        List<SinkColumn> bindOrder = mode == InsertMode.UPDATE
                ? Stream.concat(values.stream(), keys.stream()).toList() : columns;
        String write = deletesOnly || nothingToUpdate ? null : PostgresSql.insertOrUpdate(tableSql, columns, mode);
        String delete = keys.isEmpty() ? null : PostgresSql.delete(tableSql, keys);
        boolean partial = !leftOut.isEmpty();
        WriteMethod method = config.writeMethod();
        boolean binary = binaryCopy != null;
        return new WritePlan(table, tableSql, mode, columns, keys, new ArrayList<>(bindOrder), write, delete,
                tableColumns == null ? null : PostgresSql.createTable(tableSql, tableColumns), tableColumns,
                deletesOnly, leftOut,
                write == null ? null
                        : WriteStrategy.forWrites(method, mode, table, tableSql, columns, partial, write, binary),
                delete == null ? null : WriteStrategy.forDeletes(method, tableSql, keys, delete, binary), binaryCopy);
    }
}
