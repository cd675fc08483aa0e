package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.sink.SinkRecord;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.util.List;

/**
 * How records of one schema are written to one table: the columns and the SQL, built once per (table, schemas) so
 * writing a record only extracts and binds its values.
 */
record WritePlan(TableId table, List<SinkColumn> columns, String insertSql, String createTableSql) {

    static WritePlan create(PostgresSinkConfig config, TableId table, SinkRecord sample) {
        List<SinkColumn> columns = ColumnMapping.columns(config.pkMode(), config.pkFields(), sample);
        return new WritePlan(table, columns, PostgresSql.insert(table, columns, config.insertMode()),
                PostgresSql.createTable(table, columns));
    }

    /** Binds the record's column values and adds them to the batch as one row. */
    void addRow(PreparedBatch batch, SinkRecord record) {
        for (int i = 0; i < columns.size(); i++) {
            batch.bind(i, columns.get(i).argument(record));
        }
        batch.add();
    }
}
