package io.tablestream.source.cdc;

import io.tablestream.jdbc.Json;
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
import java.util.Objects;

/**
 * The incremental snapshot: reads tables chunk by chunk while the stream runs, each chunk emitted once the stream
 * has passed it, without the keys the stream changed meanwhile ({@link SnapshotWindow}). One table at a time, one
 * chunk at a time.
 *
 * <p>Where it resumes after a restart: each table's progress is in the offsets of its chunk records
 * ({@link TableProgress}); tables read because they are captured and have no finished progress need nothing more.
 * Tables a signal asked for ({@link SnapshotSignals}) are listed, with the signal's id, in the offsets of the
 * stream's records ({@link #pendingText}), and their chunk records carry that id as the progress's run: a restart
 * goes on with the signal's run where its progress says, and starts it when its progress belongs to another run.
 */
final class IncrementalSnapshot {

    private static final Logger log = LoggerFactory.getLogger(IncrementalSnapshot.class);

    /** One table to read: {@code run} is the id of the signal that asked for it (null: captured, never read). */
    record Work(TableId table, String filter, String run) {
    }

    private final CdcSourceTask.Settings settings;
    private final ChunkReader reader;
    private final RetryPolicy retry;
    private final int kafkaTransactionRecords;
    private final Map<TableId, TableProgress> stored;
    private final Deque<Work> pending = new ArrayDeque<>();
    // Reading a chunk failed this many times in a row (connection.attempts); the next try is at retryAtMs.
    private int failures;
    private long retryAtMs;
    private boolean paused;
    private Work current;
    private String topic;
    private TableProgress progress;
    private SnapshotWindow window;
    private TableProgress afterWindow;
    /**
     * Changes to the tables still to read streamed since their last chunk was released (or since they were queued),
     * judged when their next chunk's snapshot is known; only the newest {@value #SEEN_MAX} (while paused the list
     * would grow without end, and the changes that matter for correctness are those streamed just before the next
     * chunk is read; older ones only spare sending a row again).
     */
    private final Deque<SnapshotWindow.StreamedChange> seenSinceRelease = new ArrayDeque<>();
    private static final int SEEN_MAX = 100_000;
    private final java.util.Set<String> queuedTopics = new java.util.HashSet<>();
    /**
     * Captured tables read to their end whose last chunk emitted no record (an empty table, or every row of the
     * last chunk sent by the stream): no table progress says they are done, so the stream's offsets do.
     */
    private final java.util.Set<TableId> readWithoutRecord = new java.util.TreeSet<>(
            java.util.Comparator.comparing(TableId::toString));
    private boolean watermarkMessageFailed;
    private volatile long rowsRead;
    private volatile long rowsEstimated;
    private volatile long chunksDone;
    private long tableRows;

    /**
     * @param retry  how often, and how far apart, reading a chunk is tried again when PostgreSQL cannot be reached
     * @param kafkaTransactionRecords with transaction.boundary=connector, records per Kafka transaction at most
     *                                (batch.max.rows): chunk rows are no database transaction
     * @param tables the captured tables to read unless their progress says they are done, in order
     * @param stored the progress stored for the captured tables (absent: none)
     * @param signalled what the offset lists as asked for by signals and not done yet
     */
    IncrementalSnapshot(CdcSourceTask.Settings settings, int chunkSize, RetryPolicy retry, int kafkaTransactionRecords,
                        List<TableId> tables, Map<TableId, TableProgress> stored, Pending signalled) {
        this.settings = settings;
        this.retry = retry;
        this.kafkaTransactionRecords = kafkaTransactionRecords;
        this.reader = new ChunkReader(settings.jdbi(), settings.types(), chunkSize);
        this.stored = new java.util.HashMap<>(stored);
        this.paused = signalled.paused();
        for (TableId table : signalled.readWithoutRecord()) {
            readWithoutRecord.add(table);
            TableProgress known = this.stored.get(table);
            if (known == null || known.run() == null) {
                this.stored.put(table, new TableProgress(known == null ? null : known.after(), true));
            }
        }
        signalled.work().forEach(pending::addLast);
        for (TableId table : tables) {
            TableProgress from = this.stored.get(table);
            if ((from == null || !from.done()) && pending.stream().noneMatch(w -> w.table().equals(table))) {
                pending.addLast(new Work(table, null, null));
            }
        }
        rowsEstimated = estimate(pending.stream().map(Work::table).toList());
        if (!pending.isEmpty()) {
            log.info("Incremental snapshot of {} (about {} rows, pg_class.reltuples){}",
                    pending.stream().map(Work::table).toList(), rowsEstimated, paused ? ", paused by a signal" : "");
        }
        nextTable();
    }

    /** What signals asked for and is not done, and whether a signal paused the snapshot, as offsets carry it. */
    record Pending(List<Work> work, boolean paused, List<TableId> readWithoutRecord) {

        static final Pending NONE = new Pending(List.of(), false, List.of());

        /** The pending work as {@link #pendingText} wrote it (null: none). */
        static Pending parse(String text) {
            if (text == null) {
                return NONE;
            }
            Map<?, ?> json = (Map<?, ?>) Json.parse(text);
            List<Work> work = new ArrayList<>();
            for (Object entry : (List<?>) json.get("tables")) {
                List<?> fields = (List<?>) entry;
                String filter = (String) fields.get(2);
                work.add(new Work(TableId.parse((String) fields.get(0)), filter.isEmpty() ? null : filter,
                        (String) fields.get(1)));
            }
            List<TableId> done = new ArrayList<>();
            Object listed = json.get("done");
            if (listed != null) {
                ((List<?>) listed).forEach(name -> done.add(TableId.parse((String) name)));
            }
            return new Pending(work, Boolean.TRUE.equals(json.get("paused")), done);
        }
    }

    private long estimate(List<TableId> tables) {
        if (tables.isEmpty()) {
            return 0;
        }
        return settings.jdbi().withHandle(h -> {
            long sum = 0;
            for (TableId t : tables) {
                sum += h.createQuery("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = ?::regclass")
                        .bind(0, t.quoted()).mapTo(Long.class).findOne().orElse(0L);
            }
            return sum;
        });
    }

    /**
     * The signalled work not done yet and the pause, for the stream's offsets (null: neither): quoted table names
     * as PostgreSQL prints them would be ambiguous, so each entry is a JSON array [table, run, filter].
     */
    String pendingText() {
        List<String> entries = new ArrayList<>();
        if (current != null && current.run() != null) {
            entries.add(entryText(current));
        }
        pending.stream().filter(w -> w.run() != null).forEach(w -> entries.add(entryText(w)));
        if (entries.isEmpty() && !paused && readWithoutRecord.isEmpty()) {
            return null;
        }
        return "{\"paused\":" + paused + ",\"tables\":[" + String.join(",", entries) + "],\"done\":"
                + Json.write(readWithoutRecord.stream().map(TableId::toString).toList()) + "}";
    }

    private static String entryText(Work work) {
        return Json.write(List.of(work.table().toString(), work.run(),
                work.filter() == null ? "" : work.filter()));
    }

    /** A signal asks to read {@code tables} (each with its filter, if any) again: after the work already queued. */
    void execute(String run, List<TableId> tables, Map<TableId, String> filters) {
        filters.forEach(reader::requireValidFilter);
        for (TableId table : tables) {
            Work work = new Work(table, filters.get(table), run);
            if (work.equals(current) || pending.contains(work)) {
                continue; // the same signal seen again after a restart
            }
            TableProgress from = stored.get(table);
            if (from != null && run.equals(from.run()) && from.done()) {
                continue; // this signal's snapshot of the table is done
            }
            pending.addLast(work);
        }
        rowsEstimated += estimate(tables);
        nextTable();
    }

    /** A signal stops the snapshot of {@code tables} (none listed: of all), the chunk waiting included. */
    void stop(List<TableId> tables) {
        pending.removeIf(w -> tables.isEmpty() || tables.contains(w.table()));
        if (current != null && (tables.isEmpty() || tables.contains(current.table()))) {
            finishTable("stopped");
        }
        nextTable();
    }

    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
    }

    /** Releases the snapshot's connection. */
    void close() {
        reader.close();
    }

    /** Whether there is nothing to read (now: a signal may add work). */
    boolean idle() {
        return current == null && pending.isEmpty();
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
     * The records a stream poll returned (signals already taken out) drop the keys they change from the waiting
     * chunk ({@link #observe}); then the chunk is released if the stream has passed it, and the next one read.
     * Records to send after the stream's.
     *
     * @param position            every transaction committed before this LSN has been handed out
     * @param betweenTransactions whether the stream is outside a database transaction (so a Kafka transaction
     *                            may end here)
     */
    List<SourceRecord> afterStreamPoll(long position, boolean betweenTransactions) throws SQLException {
        List<SourceRecord> out = List.of();
        if (window != null && betweenTransactions && window.passedBy(position)) {
            out = release();
        }
        if (window == null && !paused && System.currentTimeMillis() >= retryAtMs) {
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
                        + " connection.attempts); the stream goes on meanwhile", current == null ? null
                        : current.table(), e.getMessage(), retry.backoffMs(), failures + 1, retry.attempts());
            }
        }
        return out;
    }

    /** A streamed record: if it is newer than the waiting chunk, it wins. */
    void observe(SourceRecord record) {
        SnapshotWindow.StreamedChange change = SnapshotWindow.StreamedChange.of(record);
        if (change == null) {
            return;
        }
        if (window != null && change.topic().equals(topic)) {
            window.observe(change);
        } else if (queuedTopics.contains(change.topic())) {
            if (seenSinceRelease.size() == SEEN_MAX) {
                seenSinceRelease.removeFirst();
            }
            seenSinceRelease.addLast(change);
        }
    }

    private List<SourceRecord> release() {
        List<ChangeEvent> rows = window.rows();
        Map<String, String> partition = TableProgress.partition(settings.cdc().slotName(), current.table());
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
        stored.put(current.table(), progress);
        window = null;
        if (progress.done()) {
            if (records.isEmpty() && current.run() == null) {
                readWithoutRecord.add(current.table());
            }
            finishTable("done");
            nextTable();
        }
        return records;
    }

    private void finishTable(String how) {
        log.info("Incremental snapshot of {}{} {}: {} rows", current.table(),
                current.run() == null ? "" : " (signal " + current.run() + ")", how, tableRows);
        String finished = topic;
        seenSinceRelease.removeIf(c -> c.topic().equals(finished));
        current = null;
        topic = null;
        window = null;
        if (pending.isEmpty()) {
            reader.close();
        }
    }

    private void readNextChunk() throws SQLException {
        nextTable();
        if (current == null) {
            return;
        }
        ChunkReader.Chunk chunk = reader.read(current.table(), topic, progress, current.filter());
        if (chunk.rows().isEmpty() && chunk.after().done()) {
            // Nothing to emit, so nothing to wait for: the table is done now, and the stream's next offsets say so.
            if (current.run() == null) {
                readWithoutRecord.add(current.table());
            }
            stored.put(current.table(), chunk.after().inRun(current.run()));
            chunksDone++;
            finishTable("done");
            nextTable();
            return;
        }
        window = new SnapshotWindow(topic, chunk.snapshot(), chunk.highWatermark(), chunk.rows(), seenSinceRelease);
        afterWindow = chunk.after().inRun(current.run());
        String read = topic;
        seenSinceRelease.removeIf(c -> c.topic().equals(read));
        writeWatermarkMessage();
    }

    /**
     * Picks the table to read next, if none is being read: chosen ahead of its first chunk, so that the changes
     * streamed meanwhile are seen by that chunk's window.
     */
    private void nextTable() {
        while (current == null && !pending.isEmpty()) {
            Work next = pending.removeFirst();
            TableProgress stale = stored.get(next.table());
            TableProgress from = stale != null && Objects.equals(stale.run(), next.run()) ? stale
                    : TableProgress.START.inRun(next.run());
            if (from.done()) {
                continue;
            }
            current = next;
            topic = settings.topics().apply(next.table());
            progress = from;
            tableRows = 0;
            log.info("Incremental snapshot of {}{}{} {}", next.table(),
                    next.run() == null ? "" : " (signal " + next.run() + ")",
                    next.filter() == null ? "" : " where " + next.filter(),
                    from.after() == null ? "starts" : "resumes after key " + from.after());
        }
        queuedTopics.clear();
        if (current != null) {
            queuedTopics.add(topic);
        }
        pending.forEach(w -> queuedTopics.add(settings.topics().apply(w.table())));
        seenSinceRelease.removeIf(c -> !queuedTopics.contains(c.topic()));
    }

    private void writeWatermarkMessage() {
        if (watermarkMessageFailed) {
            return;
        }
        try {
            reader.writeWatermarkMessage();
        } catch (JdbiException e) {
            // A read-only server (standby): chunks then wait for the next change or the walsender's keepalive.
            watermarkMessageFailed = true;
            log.warn("Cannot write the snapshot's watermark message ({}): each chunk waits for the stream to move"
                    + " past it on its own", e.getMessage());
        }
    }
}
