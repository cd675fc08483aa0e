package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Runs a write plan's SQL through jdbi: makes sure the table is there, then writes chunks of records. */
final class TableWriter {

    private static final Logger log = LoggerFactory.getLogger(TableWriter.class);

    private final boolean autoCreate;

    TableWriter(boolean autoCreate) {
        this.autoCreate = autoCreate;
    }

    /** Creates the table (auto.create) or checks that it exists; {@code records} only name the cause in errors. */
    void ensureTable(Handle handle, WritePlan plan, List<SinkRecord> records) {
        TableId table = plan.table();
        if (!autoCreate) {
            if (!exists(handle, table, records)) {
                throw new ConnectException("Table " + table + " for " + Records.offsetRanges(records)
                        + " does not exist: create it, or set " + PostgresSinkConfig.AUTO_CREATE_CONFIG
                        + "=true to have the connector create it from the record schema");
            }
            return;
        }
        try {
            handle.execute(plan.createTableSql());
            log.debug("Ensured table {} exists", table);
        } catch (JdbiException e) {
            // Another task may have created it at the same moment: IF NOT EXISTS does not cover that race.
            if (!exists(handle, table, records)) {
                throw WriteErrors.translate(e, "Failed to create table " + table + " for "
                        + Records.offsetRanges(records));
            }
        }
    }

    /** Writes one chunk in one transaction, all rows or none. */
    void write(Handle handle, WritePlan plan, List<SinkRecord> records) {
        try {
            handle.useTransaction(tx -> {
                try (PreparedBatch batch = tx.prepareBatch(plan.insertSql())) {
                    for (SinkRecord record : records) {
                        plan.addRow(batch, record);
                    }
                    batch.execute();
                }
            });
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to write " + Records.offsetRanges(records) + " to table "
                    + plan.table());
        }
        log.debug("Wrote {} records to table {}", records.size(), plan.table());
    }

    private static boolean exists(Handle handle, TableId table, List<SinkRecord> records) {
        try {
            return handle.createQuery(PostgresSql.TABLE_EXISTS)
                    .bind(0, table.schema())
                    .bind(1, table.table())
                    .mapTo(Boolean.class)
                    .one();
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to look up table " + table + " for "
                    + Records.offsetRanges(records));
        }
    }
}
