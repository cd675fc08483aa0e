package io.tablestream.sink;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.RetryPolicy;
import io.tablestream.jdbc.SqlErrors;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.Version;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Buffers records across {@code put} calls (see {@link #put}) and writes them on its {@link WriterThread}, a batch at
 * a time while the next fills, one transaction per chunk of at most {@code batch.size} operations of one table and
 * schema. With exactly.once each transaction also stores the
 * partitions' offsets, {@link #open} resumes from them. {@link #preCommit} reports only what is written, so records
 * still buffered when the task stops or loses a partition are read again.
 */
public class PostgresSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(PostgresSinkTask.class);

    private PostgresSinkConfig config;
    private Jdbi jdbi;
    /** Volatile for {@link #stop}'s cancel; otherwise used by one thread at a time (see WriterThread). */
    private volatile Handle handle;
    private RecordUnwrapper unwrapper;
    private RecordChunker chunker;
    private WritePlans plans;
    private ChunkWriter chunkWriter;
    private OffsetStore offsetStore;
    /**
     * A put waiting for more records lets the next poll wait this long before handing no records, the sign that the
     * topics have nothing more. Long enough for a fetch on a busy machine, where a shorter wait ends transactions
     * at every other fetch; short beside {@link #MAX_LINGER_MS}.
     */
    static final long IDLE_POLL_MS = 50;
    /** How often a cancel of the batch being written is repeated until the batch ends, ms. */
    private static final long CANCEL_REPEAT_MS = 100;

    /** The longest a record waits in the buffer while records keep coming, ms. */
    static final long MAX_LINGER_MS = 200;

    /** Each partition's last offset in the database: the writer's while a batch is in flight (see WriterThread). */
    private final Map<TopicPartition, Long> written = new HashMap<>();
    /** A copy of {@link #written} as of the last write or (re)assignment, for {@link #preCommit}. */
    private volatile Map<TopicPartition, Long> committed = Map.of();
    private final PendingRecords pending = new PendingRecords();
    private WriterThread writerThread;
    /** A failure of the writer seen where it could not be thrown (closing partitions): the next put throws it. */
    private ConnectException deferredFailure;
    private final TaskTimeline timeline = new TaskTimeline();
    private boolean reloadOffsets;
    private RetryPolicy retryPolicy;
    /** Writes in a row that failed with a transient condition. */
    private int failuresInARow;
    private SinkTaskMetrics metrics;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new PostgresSinkConfig(props);
        metrics = new SinkTaskMetrics(context == null ? null : context.pluginMetrics());
        jdbi = ConnectionConfig.jdbi(config);
        unwrapper = new RecordUnwrapper(config.deleteEnabled(), config.unavailableValuePlaceholder());
        TableNameFormat tables = new TableNameFormat(config.tableNameFormat());
        chunker = new RecordChunker(tables::tableFor, config.batchSize(), config.pkMode() == PkMode.RECORD_KEY);
        TableWriter writer = new TableWriter(config.autoCreate(), config.writeMethod());
        plans = new WritePlans(config, writer);
        if (config.exactlyOnce()) {
            TableId offsetsTable = offsetsTable();
            offsetStore = new OffsetStore(props.getOrDefault("name", ""), offsetsTable,
                    config.quoteIdentifiers().table(offsetsTable, PostgresSinkConfig.OFFSETS_TABLE_NAME_CONFIG));
        }
        writerThread = new WriterThread(Thread.currentThread().getName() + "-writer"); // the worker's task thread name
        // The worker offers a reporter when a dead-letter queue or error logging is configured; it applies
        // errors.tolerance itself (with "none" it fails the task). Asked when needed, not cached at start.
        chunkWriter = new ChunkWriter(writer, offsetStore,
                new DeadLetterReporter(this::errantRecordReporter, writerThread), metrics);
        retryPolicy = config.retryPolicy();
    }

    private ErrantRecordReporter errantRecordReporter() {
        return context == null ? null : context.errantRecordReporter();
    }

    private TableId offsetsTable() {
        try {
            return TableId.parse(config.offsetsTableName());
        } catch (IllegalArgumentException e) {
            throw new ConnectException(PostgresSinkConfig.OFFSETS_TABLE_NAME_CONFIG + "='"
                    + config.offsetsTableName() + "' is not a usable table name: " + e.getMessage(), e);
        }
    }

    /** With exactly.once: seek each partition to the offset after the last one this connector wrote. */
    @Override
    public void open(Collection<TopicPartition> partitions) {
        if (offsetStore == null) {
            return;
        }
        settleKeepingFailure(); // the connection and the written offsets are the writer's until then
        Map<TopicPartition, Long> stored = loadOffsets(partitions);
        stored.forEach((tp, offset) -> context.offset(tp, offset + 1));
        metrics.committedOffsets(stored);
        log.info("Resuming {} of {} partitions from {}: {} (the others start at the consumer's committed offset)",
                stored.size(), partitions.size(), offsetStore.table(), stored);
    }

    private Map<TopicPartition, Long> loadOffsets(Collection<TopicPartition> partitions) {
        try {
            Handle h = handle();
            offsetStore.ensureTable(h);
            Map<TopicPartition, Long> stored = offsetStore.load(h, partitions);
            partitions.forEach(written::remove);
            written.putAll(stored);
            publishCommitted();
            return stored;
        } catch (JdbiException e) {
            closeHandle();
            throw WriteErrors.translate(e, "Failed to read the written offsets from " + offsetStore.table());
        }
    }

    /**
     * Cancels the batch being written (its records of these partitions must not reach the table after their next
     * owner's, and a rebalance or a stop waits for this call, so it must not wait on a locked table), then forgets
     * these partitions' records.
     */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        log.info("Closing partitions {}", partitions);
        cancelInFlight();
        partitions.forEach(written::remove);
        publishCommitted();
        pending.drop(partitions);
        metrics.partitionsClosed(partitions);
    }

    /**
     * Buffers the records and hands the oldest batch.size to the writer thread once that many wait, once the consumer
     * found nothing more (Connect calls put with no records after a poll that waited {@link #IDLE_POLL_MS}), or once
     * the oldest has waited {@link #MAX_LINGER_MS}; with a batch still being written, waits for it first, so the task
     * holds at most the batch being written and the one filling. A failure of the writer is thrown here, by the put
     * after it. A transient failure is retried through Connect: the worker waits retry.backoff.ms and hands the same
     * records again, so put never sleeps and stop() is prompt. The dead-letter reports the writer asks for are made
     * here, on the task thread (see {@link DeadLetterReporter}); while the batch in flight has bad records put waits
     * for it, making its reports, rather than leave the writer waiting for the next put.
     */
    @Override
    public void put(Collection<SinkRecord> records) {
        timeline.putStarted(records.size());
        try {
            if (!records.isEmpty()) {
                metrics.recordsReceived(records.size());
                pending.add(records, errantRecordReporter() != null); // only a dead-letter report needs the bytes
            }
            boolean reporting = writerThread.runTaskThreadCalls() > 0;
            throwDeferredFailure();
            if (writerThread.finished() || reporting && writerThread.busy()) {
                long waitStart = System.nanoTime();
                WriterThread.Outcome outcome = writerThread.await();
                timeline.waitedForWriter(System.nanoTime() - waitStart);
                settle(outcome);
            }
            boolean idleOrOld = records.isEmpty() || pending.ageMs() >= MAX_LINGER_MS;
            while (pending.waiting() >= config.batchSize() || idleOrOld && pending.waiting() > 0) {
                if (writerThread.busy()) {
                    long waitStart = System.nanoTime();
                    WriterThread.Outcome outcome = writerThread.await();
                    timeline.waitedForWriter(System.nanoTime() - waitStart);
                    settle(outcome);
                }
                handOver();
            }
            if (!pending.isEmpty()) {
                // the next put comes by then (empty when the topics have nothing more) and collects the write
                context.timeout(IDLE_POLL_MS);
            }
        } catch (RetriableException e) {
            failuresInARow++;
            if (!retryPolicy.attemptsLeft(failuresInARow)) {
                throw new ConnectException("Giving up after " + config.maxRetries() + " retries ("
                        + PostgresSinkConfig.MAX_RETRIES_CONFIG + "): " + e.getMessage(), e);
            }
            metrics.retried();
            log.warn("{}; retrying in {} ms, {} retries left", e.getMessage(), retryPolicy.backoffMs(),
                    retryPolicy.attempts() - failuresInARow);
            context.timeout(retryPolicy.backoffMs());
            throw e;
        } finally {
            timeline.putEnded();
        }
    }

    /** Hands the oldest batch.size waiting records (all when fewer) to the writer thread; the writer is idle. */
    private void handOver() {
        if (reloadOffsets && offsetStore != null) {
            // The last commit may have succeeded although its acknowledgement was lost: ask the database.
            loadOffsets(context.assignment()); // the consumer's assignment: read on the task thread only
        }
        reloadOffsets = false;
        List<SinkRecord> batch = pending.handOver(config.batchSize());
        writerThread.submit(() -> writeBatch(batch), batch.size());
    }

    /**
     * Applies the outcome of a batch on the task thread: a written batch leaves the buffer, a failed one waits again
     * and its failure is thrown (a transient one after the connection is dropped and the offsets marked for reading
     * again, as the commit may have succeeded).
     */
    private void settle(WriterThread.Outcome outcome) {
        if (outcome == null) {
            return;
        }
        if (outcome.failure() == null) {
            pending.written();
            failuresInARow = 0;
            return;
        }
        pending.notWritten();
        if (outcome.failure() instanceof RetriableException) {
            closeHandle();
            reloadOffsets = true;
        }
        throw outcome.failure();
    }

    /**
     * Cancels the batch being written, if any, and waits for the writer. The cancel is not exact: a transaction
     * (one per chunk of the batch) either commits with its offsets or rolls back with them, so a batch that is not
     * written whole waits again, the connection is dropped, and the next batch first reads the stored offsets.
     */
    private void cancelInFlight() {
        if (!writerThread.busy()) {
            return;
        }
        // PostgreSQL drops a cancel that comes while the writer is between statements (preparing rows, committing,
        // connecting), and the next statement could then wait on a lock for as long as it is held: cancel again
        // until the batch ends, as close() holds up the group's rebalance and stop() the worker.
        do {
            cancelRunningStatement();
        } while (!writerThread.awaitEnd(CANCEL_REPEAT_MS));
        WriterThread.Outcome outcome = writerThread.await();
        if (outcome.failure() == null) {
            pending.written();
            failuresInARow = 0;
            return;
        }
        pending.notWritten();
        closeHandle();
        reloadOffsets = true;
        if (outcome.failure() instanceof RetriableException) { // the cancel itself, or a transient condition
            log.info("The batch being written was cancelled: {}; its records are written again or by the partitions'"
                    + " next owner", outcome.failure().getMessage());
        } else if (deferredFailure == null) {
            deferredFailure = outcome.failure(); // a failure of its own, not to be lost to the cancel: the next put
        }
    }

    /** Waits for the batch in flight where put cannot follow with a failure: it is kept for the next put. */
    private void settleKeepingFailure() {
        try {
            settle(writerThread.await());
        } catch (ConnectException e) {
            deferredFailure = e;
        }
    }

    private void throwDeferredFailure() {
        ConnectException failure = deferredFailure;
        if (failure != null) {
            deferredFailure = null;
            throw failure;
        }
    }

    /**
     * On the writer thread: writes a batch, one transaction per chunk of it, and publishes what is written for
     * {@link #preCommit} once its dead-letter reports are stored. A batch stays pending unless all of it is written;
     * a retry skips what was.
     */
    private void writeBatch(List<SinkRecord> batch) {
        ConnectException failure = null;
        try {
            write(batch);
        } catch (JdbiException e) { // opening the connection
            closeHandle();
            failure = WriteErrors.translate(e, "Failed to use the database for " + Records.offsetRanges(batch));
        } catch (ConnectException e) {
            failure = e;
        }
        try {
            chunkWriter.awaitReports();
        } catch (ConnectException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e); // the batch's own failure decides whether it is retried
            }
        }
        // Nothing is committed past a report not stored (ChunkWriter waits before each commit): what is, is written.
        publishCommitted();
        if (failure != null) {
            throw failure;
        }
        metrics.committedOffsets(written);
    }

    /** What preCommit reports, readable from the task thread while the writer writes. */
    private void publishCommitted() {
        committed = Map.copyOf(written);
    }

    private void write(Collection<SinkRecord> records) {
        List<SinkOp> ops = new ArrayList<>(records.size());
        Map<TopicPartition, Long> handled = new HashMap<>();
        for (SinkRecord record : records) {
            TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
            Long done = written.get(tp);
            if (done != null && record.kafkaOffset() <= done) {
                continue; // already in the database: a redelivery after a retry or a rebalance
            }
            handled.merge(tp, record.kafkaOffset(), Math::max);
            SinkOp op = unwrapper.unwrap(record);
            if (op != null) {
                ops.add(op);
            }
        }
        Handle h = handle();
        for (RecordChunker.Chunk chunk : chunker.chunk(ops)) {
            if (plans.deletesBeforeTheTableExists(h, chunk)) {
                continue;
            }
            try {
                chunkWriter.write(h, plans.planFor(h, chunk), chunk.ops(), written);
            } catch (ConnectException e) {
                throw retryIfDdlRepairs(e);
            }
        }
        // Records that wrote nothing (skipped deletes, deletes before auto.create made the table, dead-lettered
        // records) still move the position on.
        Map<TopicPartition, Long> behind = new HashMap<>();
        handled.forEach((tp, offset) -> {
            if (written.getOrDefault(tp, -1L) < offset) {
                behind.put(tp, offset);
            }
        });
        if (!behind.isEmpty()) {
            chunkWriter.saveOffsets(h, behind, written);
            written.putAll(behind);
        }
    }

    /**
     * A table or column that went away while the task ran (concurrent DDL) is put back by auto.create or auto.evolve
     * when the plan is made anew, and a binary COPY plan whose column types changed is made for the new types: forget
     * the plans and retry. Anything else as it is.
     */
    private ConnectException retryIfDdlRepairs(ConnectException e) {
        if (e instanceof BinaryCopy.StalePlanException) {
            plans.clear();
            return e;
        }
        String state = e instanceof RetriableException ? null : WriteErrors.state(e);
        boolean repairs = SqlErrors.UNDEFINED_TABLE.equals(state) && config.autoCreate()
                || SqlErrors.UNDEFINED_COLUMN.equals(state) && config.autoEvolve();
        if (!repairs) {
            return e;
        }
        plans.clear();
        return new RetriableException(e.getMessage() + "; the table is checked again ("
                + PostgresSinkConfig.AUTO_CREATE_CONFIG + ", " + PostgresSinkConfig.AUTO_EVOLVE_CONFIG
                + ") before the retry", e);
    }

    /**
     * Reports only written offsets, as the writer thread last published them: a batch being written counts once it
     * is committed and its dead-letter reports are stored. It writes nothing itself: Connect awaits the dead-letter
     * reports of records before it calls preCommit, not after, so records reported here could be committed before
     * their report is stored; and a failure here would not fail the task. It makes the reports the writer asked for
     * (the writer awaits them before it publishes what follows them). Pending records are handed to the writer by the
     * next put, which comes within {@link #IDLE_POLL_MS}.
     */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        writerThread.runTaskThreadCalls(); // the writer may wait for a dead-letter report to be made
        Map<TopicPartition, Long> written = committed;
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        currentOffsets.keySet().forEach(tp -> {
            Long offset = written.get(tp);
            if (offset != null) {
                commit.put(tp, new OffsetAndMetadata(offset + 1));
            }
        });
        return commit;
    }

    private Handle handle() {
        if (handle == null) {
            handle = jdbi.open();
        }
        return handle;
    }

    /** Asks PostgreSQL to cancel the writer's statement; harmless between statements, a cancel then finds none. */
    private void cancelRunningStatement() {
        Handle h = handle;
        if (h == null) {
            return;
        }
        try {
            h.getConnection().unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            log.debug("Could not cancel the write in progress; waiting for it", e);
        }
    }

    private void closeHandle() {
        if (handle != null) {
            try {
                handle.close();
            } catch (JdbiException e) {
                log.debug("Ignoring a failure to close a broken connection", e);
            }
            handle = null;
        }
    }

    /** Stops the writer thread (Connect has closed the partitions, which cancelled any batch being written). */
    @Override
    public void stop() {
        try {
            if (writerThread != null) {
                cancelInFlight();
                log.info("{}", timeline.summary(writerThread));
            }
        } finally {
            if (writerThread != null) {
                writerThread.close();
            }
            closeHandle();
            if (plans != null) {
                plans.clear();
            }
            if (metrics != null) {
                metrics.close();
            }
        }
    }
}
