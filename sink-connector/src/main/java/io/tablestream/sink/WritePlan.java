package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * How records of one schema are written to one table: the columns and the SQL, built once per (table, schemas) so
 * writing a record only extracts and converts its values. {@code bindOrder} is the columns in the order the batch
 * statement binds them (for update: values, then keys).
 */
record WritePlan(TableId table, InsertMode mode, List<SinkColumn> columns, List<SinkColumn> keys,
                 List<SinkColumn> bindOrder, String insertSql, String deleteSql, String createTableSql,
                 boolean deletesOnly) {

    static WritePlan create(PostgresSinkConfig config, TableId table, SinkRecord sample) {
        return create(config, table, sample, false);
    }

    static WritePlan create(PostgresSinkConfig config, TableId table, SinkRecord sample, boolean deletesOnly) {
        List<SinkColumn> columns = ColumnMapping.columns(config.pkMode(), config.pkFields(),
                config.fieldsIncludeList(), sample, deletesOnly);
        return of(config.insertMode(), table, columns, deletesOnly, PostgresSql.createTable(table, columns));
    }

    /** A plan for given columns; {@code createTableSql} null where the table must exist (schemaless records). */
    static WritePlan of(InsertMode mode, TableId table, List<SinkColumn> columns, boolean deletesOnly,
                        String createTableSql) {
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        List<SinkColumn> values = columns.stream().filter(c -> !c.primaryKey()).toList();
        boolean nothingToUpdate = mode == InsertMode.UPDATE && values.isEmpty();
        List<SinkColumn> bindOrder = mode == InsertMode.UPDATE
                ? Stream.concat(values.stream(), keys.stream()).toList() : columns;
        String write = deletesOnly || nothingToUpdate ? null : PostgresSql.insertOrUpdate(table, columns, mode);
        return new WritePlan(table, mode, columns, keys, new ArrayList<>(bindOrder), write,
                keys.isEmpty() ? null : PostgresSql.delete(table, keys), createTableSql, deletesOnly);
    }
}
