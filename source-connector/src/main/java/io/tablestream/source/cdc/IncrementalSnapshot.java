package io.tablestream.source.cdc;

import io.tablestream.jdbc.RetryPolicy;
import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.source.SourceRecord;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The incremental snapshot: reads the tables chunk by chunk while the stream runs, each chunk emitted once the
 * stream has passed it, without the keys the stream changed meanwhile ({@link SnapshotWindow}). One table at a time,
 * one chunk at a time; progress per table is in the records' offsets ({@link TableProgress}), so a restart goes on
 * at the chunk after the last one Kafka has, and tables captured later simply start without progress.
 */
final class IncrementalSnapshot {

    private static final Logger log = LoggerFactory.getLogger(IncrementalSnapshot.class);
    /**
     * A logical message written after each chunk: its WAL record lies past the chunk's high watermark, so once the
     * walsender has decoded it, it reports a position past the watermark even when nothing else is written.
     */
    private static final String WATERMARK_SQL = "SELECT pg_logical_emit_message(false, 'tablestream.snapshot', '')";

    private final CdcSourceTask.Settings settings;
    private final ChunkReader reader;
    private final RetryPolicy retry;
    private final int kafkaTransactionRecords;
    // Reading a chunk failed this many times in a row (connection.attempts); the next try is at retryAtMs.
    private int failures;
    private long retryAtMs;
    private final Deque<TableId> pending = new ArrayDeque<>();
    private TableId table;
    private String topic;
    private TableProgress progress;
    private final Map<TableId, TableProgress> stored;
    private SnapshotWindow window;
    private TableProgress afterWindow;
    /** Changes streamed since the last chunk was released, judged when the next chunk's snapshot is known. */
    private final List<SnapshotWindow.StreamedChange> seenSinceRelease = new ArrayList<>();
    private boolean watermarkMessageFailed;
    private volatile long rowsRead;
    private volatile long rowsEstimated;
    private volatile long chunksDone;
    private long tableRows;

    /**
     * @param retry  how often, and how far apart, reading a chunk is tried again when PostgreSQL cannot be reached
     * @param kafkaTransactionRecords with transaction.boundary=connector, records per Kafka transaction at most
     *                                (batch.max.rows): chunk rows are no database transaction
     * @param tables the tables to read, in order
     * @param stored the progress stored for them (absent: from the start)
     */
    IncrementalSnapshot(CdcSourceTask.Settings settings, int chunkSize, RetryPolicy retry, int kafkaTransactionRecords,
                        List<TableId> tables, Map<TableId, TableProgress> stored) {
        this.settings = settings;
        this.retry = retry;
        this.kafkaTransactionRecords = kafkaTransactionRecords;
        this.reader = new ChunkReader(settings.jdbi(), settings.types(), chunkSize);
        this.stored = stored;
        pending.addAll(tables);
        rowsEstimated = settings.jdbi().withHandle(h -> {
            long sum = 0;
            for (TableId t : tables) {
                sum += h.createQuery("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = ?::regclass")
                        .bind(0, t.quoted()).mapTo(Long.class).findOne().orElse(0L);
            }
            return sum;
        });
        if (!tables.isEmpty()) {
            log.info("Incremental snapshot of {} (about {} rows, pg_class.reltuples)", tables, rowsEstimated);
        }
    }

    /** Whether every table has been read. */
    boolean done() {
        return table == null && pending.isEmpty();
    }

    long rowsRead() {
        return rowsRead;
    }

    long rowsEstimated() {
        return rowsEstimated;
    }

    long chunksDone() {
        return chunksDone;
    }

    /** The high watermark the stream must pass before the waiting chunk goes out, or -1 when none waits. */
    long waitingFor() {
        return window == null ? -1 : window.highWatermark();
    }

    /**
     * After a stream poll: lets the records it returned drop the keys they change from the waiting chunk, releases
     * the chunk when the stream has passed it, and reads the next one. Records to send after {@code streamed}.
     *
     * @param position               every transaction committed before this LSN has been handed out
     * @param betweenTransactions    whether the stream is outside a database transaction (so a Kafka transaction
     *                               may end here)
     */
    List<SourceRecord> afterStreamPoll(List<SourceRecord> streamed, long position, boolean betweenTransactions)
            throws SQLException {
        for (SourceRecord record : streamed) {
            SnapshotWindow.StreamedChange change = SnapshotWindow.StreamedChange.of(record);
            if (change == null) {
                continue;
            }
            if (window != null) {
                window.observe(change);
            } else if (topic != null && topic.equals(change.topic())) {
                seenSinceRelease.add(change);
            }
        }
        List<SourceRecord> out = List.of();
        if (window != null && betweenTransactions && window.passedBy(position)) {
            out = release();
        }
        if (window == null && System.currentTimeMillis() >= retryAtMs) {
            try {
                readNextChunk();
                failures = 0;
            } catch (SQLException | JdbiException e) {
                failures++;
                if (!retry.mayRetry(failures, e)) {
                    throw e;
                }
                retryAtMs = System.currentTimeMillis() + retry.backoffMs();
                log.warn("Reading a snapshot chunk of {} failed ({}); trying again in {} ms (attempt {} of {},"
                        + " connection.attempts); the stream goes on meanwhile", table, e.getMessage(),
                        retry.backoffMs(), failures + 1, retry.attempts());
            }
        }
        return out;
    }

    private List<SourceRecord> release() {
        List<ChangeEvent> rows = window.rows();
        Map<String, String> partition = TableProgress.partition(settings.cdc().slotName(), table);
        Map<String, Object> before = progress.toMap();
        List<SourceRecord> records = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            // Only the last record claims the chunk: a restart with part of it in Kafka reads the chunk again.
            Map<String, Object> offset = i == rows.size() - 1 ? afterWindow.toMap() : before;
            records.addAll(rows.get(i).toRecords(partition, offset, settings.format()));
        }
        if (settings.transactions() != null) {
            // Chunk rows are no database transaction: bounded Kafka transactions, so none outlives the producer's
            // transaction.timeout.ms however slow the records are to send.
            for (int i = 0; i < records.size(); i++) {
                if ((i + 1) % kafkaTransactionRecords == 0 || i == records.size() - 1) {
                    settings.transactions().commitTransaction(records.get(i));
                }
            }
        }
        rowsRead += rows.size();
        tableRows += rows.size();
        chunksDone++;
        progress = afterWindow;
        window = null;
        seenSinceRelease.clear();
        if (progress.done()) {
            log.info("Incremental snapshot of {} done: {} rows", table, tableRows);
            table = null;
            topic = null;
        }
        return records;
    }

    private void readNextChunk() throws SQLException {
        while (table == null && !pending.isEmpty()) {
            TableId next = pending.removeFirst();
            TableProgress from = stored.getOrDefault(next, TableProgress.START);
            if (from.done()) {
                continue;
            }
            table = next;
            topic = settings.topics().apply(next);
            progress = from;
            tableRows = 0;
            log.info("Incremental snapshot of {} {}", table, from.after() == null ? "starts"
                    : "resumes after key " + from.after());
        }
        if (table == null) {
            return;
        }
        ChunkReader.Chunk chunk = reader.read(table, topic, progress);
        window = new SnapshotWindow(topic, chunk.snapshot(), chunk.highWatermark(), chunk.rows(), seenSinceRelease);
        afterWindow = chunk.after();
        seenSinceRelease.clear();
        writeWatermarkMessage();
    }

    private void writeWatermarkMessage() {
        if (watermarkMessageFailed) {
            return;
        }
        try {
            settings.jdbi().useHandle(h -> h.createQuery(WATERMARK_SQL).mapTo(String.class).one());
        } catch (JdbiException e) {
            // A read-only server (standby): chunks then wait for the next change or the walsender's keepalive.
            watermarkMessageFailed = true;
            log.warn("Cannot write the snapshot's watermark message ({}): each chunk waits for the stream to move"
                    + " past it on its own", e.getMessage());
        }
    }
}
