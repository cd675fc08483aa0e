package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Writes a chunk and, when the database rejects its rows' values ({@link RowRejectedException}), isolates the bad
 * record by splitting the chunk in halves (in order, so stored offsets only move forward). With the worker's
 * {@link DeadLetterReporter} (errors.tolerance=all and a dead-letter queue) a bad record goes to the queue and the
 * good ones are written; otherwise the task fails naming the record. Other failures (a transient condition, a
 * missing privilege, table or column) concern every record alike: they go up unchanged.
 */
final class ChunkWriter {

    private static final Logger log = LoggerFactory.getLogger(ChunkWriter.class);

    private final TableWriter writer;
    private final OffsetStore offsetStore;
    /** Appended to a bad record's failure when no dead-letter queue takes it. */
    static final String BAD_RECORD_FIX = "; fix the record or the table, or set errors.tolerance=all with"
            + " errors.deadletterqueue.topic.name to route bad records to a dead-letter topic";

    private final DeadLetterReporter deadLetters;
    private final SinkTaskMetrics metrics;
    private final Set<TableId> warnedTables = new HashSet<>();
    /** Dead-letter reports not yet known to be stored. */
    private final List<DeadLetterReporter.Report> reported = new ArrayList<>();

    /** {@code offsetStore} null without exactly.once. */
    ChunkWriter(TableWriter writer, OffsetStore offsetStore, DeadLetterReporter deadLetters, SinkTaskMetrics metrics) {
        this.writer = writer;
        this.offsetStore = offsetStore;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    /** Writes the operations; {@code written} gets each partition's last written offset after each commit. */
    void write(Handle handle, WritePlan plan, List<SinkOp> ops, Map<TopicPartition, Long> written) {
        List<PreparedRow> rows = prepareReportingBadValues(plan, new ArrayList<>(ops));
        if (!rows.isEmpty()) {
            writeIsolating(handle, plan, rows, written);
        }
    }

    private List<PreparedRow> prepareReportingBadValues(WritePlan plan, List<SinkOp> ops) {
        while (true) {
            try {
                return writer.prepare(plan, ops);
            } catch (BadRecordException e) {
                if (!deadLetters.available()) {
                    throw new ConnectException(e.getMessage() + BAD_RECORD_FIX, e);
                }
                reported.add(deadLetters.report(e.op().original(), e));
                metrics.deadLettered();
                ops.remove(e.op());
            }
        }
    }

    private void writeIsolating(Handle handle, WritePlan plan, List<PreparedRow> rows,
                                Map<TopicPartition, Long> written) {
        awaitReports();
        Map<TopicPartition, Long> offsets = lastOffsets(rows);
        try {
            long start = System.nanoTime();
            int insertedWithoutUnavailable = writer.write(handle, plan, rows,
                    tx -> saveInTransaction(tx, offsets, written));
            written.putAll(offsets);
            if (insertedWithoutUnavailable > 0) {
                insertedWithoutUnavailableColumns(plan, insertedWithoutUnavailable);
            }
            metrics.written(plan.mode(), writer.method(), rows.size(), deletes(rows),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (RowRejectedException e) {
            if (rows.size() == 1) {
                if (!deadLetters.available()) {
                    // its message names the one record, the table, the column and the database's error
                    throw new ConnectException(e.getMessage() + BAD_RECORD_FIX, e);
                }
                reported.add(deadLetters.report(rows.get(0).op().original(), e));
                metrics.deadLettered();
                return;
            }
            int half = rows.size() / 2;
            writeIsolating(handle, plan, rows.subList(0, half), written);
            writeIsolating(handle, plan, rows.subList(half, rows.size()), written);
        }
    }

    /**
     * Waits until the records reported since the last call are stored by the worker. A report is a write like a row:
     * no offset past a reported record may be stored (exactly.once: in the database, with the next rows) or reported
     * to preCommit until it is, or a crash or a failed report would lose the record. Connect awaits the reports made
     * before it calls preCommit; reports made while the writer thread writes are not among them.
     */
    void awaitReports() {
        if (reported.isEmpty()) {
            return;
        }
        try {
            for (DeadLetterReporter.Report report : reported) {
                report.await();
            }
        } catch (ExecutionException e) {
            throw new ConnectException("A bad record could not be stored in the dead-letter queue"
                    + " (errors.deadletterqueue.topic.name): " + e.getCause() + "; nothing after it is written or"
                    + " committed, so once the topic takes records again a restart of the task reports it again",
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while waiting for dead-letter reports", e);
        } finally {
            reported.clear();
        }
    }

    /**
     * Updates whose TOASTed columns were not in the change found no row to update: the rows are there now, those
     * columns at the table's defaults. Usually the sink started after the rows were created (no snapshot) or the
     * rows were deleted in between.
     */
    private void insertedWithoutUnavailableColumns(WritePlan plan, int rows) {
        metrics.unavailableColumnsInserted(rows);
        if (warnedTables.add(plan.table())) {
            log.warn("Inserted {} new rows into table {} without the unavailable columns {} (unchanged TOASTed "
                    + "values the change did not carry): those columns hold the table's defaults. Counted in "
                    + "unavailable-columns-inserted-total; logged once per table", rows, plan.table(),
                    plan.unavailableColumns());
        }
    }

    /** Stores offsets alone, for records that wrote no row; {@code written}: what the task believes is stored. */
    void saveOffsets(Handle handle, Map<TopicPartition, Long> offsets, Map<TopicPartition, Long> written) {
        awaitReports();
        if (offsetStore == null) {
            return;
        }
        try {
            handle.useTransaction(tx -> offsetStore.save(tx, offsets, written));
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to store the written offsets in " + offsetStore.table());
        }
    }

    /** A failure here is never the rows' fault: translated apart, so it fails or retries the chunk as a whole. */
    private void saveInTransaction(Handle tx, Map<TopicPartition, Long> offsets, Map<TopicPartition, Long> written) {
        if (offsetStore != null) {
            try {
                offsetStore.save(tx, offsets, written);
            } catch (JdbiException e) {
                throw WriteErrors.translate(e, "Failed to store the written offsets in " + offsetStore.table());
            }
        }
    }

    private static int deletes(List<PreparedRow> rows) {
        int deletes = 0;
        for (PreparedRow row : rows) {
            if (row.op().delete()) {
                deletes++;
            }
        }
        return deletes;
    }

    private static Map<TopicPartition, Long> lastOffsets(List<PreparedRow> rows) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (PreparedRow row : rows) {
            offsets.merge(new TopicPartition(row.op().original().topic(), row.op().original().kafkaPartition()),
                    row.op().original().kafkaOffset(), Math::max);
        }
        return offsets;
    }
}
