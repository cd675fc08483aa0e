package io.tablestream.source.cdc;

import io.tablestream.jdbc.Json;
import io.tablestream.jdbc.RetryPolicy;
import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The incremental snapshot, as a state machine per table: tables queue up (captured ones without finished progress,
 * and those signals ask for), one is read at a time, a batch of chunks at a time ({@link ChunkBatch}: read at once,
 * judged against the stream, released in key order once the stream has passed them), until its last chunk; pause,
 * resume and stop come from signals. Streaming never waits for it.
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
    /** One per thread, each used by one read at a time (the bounds are read on the first, before the reads). */
    private final List<ChunkReader> readers;
    private ExecutorService threads;
    private final RetryPolicy retry;
    private final int kafkaTransactionRecords;
    private final Map<TableId, TableProgress> stored;
    /** The pg_class oid of each captured table, stored with its progress (absent: not known). */
    private final Map<TableId, Long> oids;
    private final Deque<Work> pending = new ArrayDeque<>();
    // Reading a chunk failed this many times in a row (connection.attempts); the next try is at retryAtMs.
    private int failures;
    private long retryAtMs;
    private boolean paused;
    private Work current;
    private String topic;
    private TableProgress progress;
    // The chunks of the current table being read, or waiting for the stream to pass them (null: none).
    private ChunkBatch batch;
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
     * last chunk sent by the stream), each with the pg_class oid of the table read (null: not known): no table
     * progress says they are done, so the stream's offsets do, and the oid tells a table created again under the
     * same name.
     */
    private final Map<TableId, Long> readWithoutRecord = new java.util.TreeMap<>(
            java.util.Comparator.comparing(TableId::toString));
    private boolean watermarkMessageFailed;
    private volatile long rowsRead;
    private volatile long rowsEstimated;
    private volatile long chunksDone;
    /** Per table read or queued in this task run, in the order they were first queued. */
    private final Map<TableId, SnapshotTableStatus> statuses = new java.util.concurrent.ConcurrentSkipListMap<>(
            java.util.Comparator.comparing(TableId::toString));
    private long progressLoggedMs;
    /** How often the task's log says how far the table being read has come. */
    private static final long PROGRESS_LOG_MS = 10_000;

    /**
     * @param retry  how often, and how far apart, reading a chunk is tried again when PostgreSQL cannot be reached
     * @param kafkaTransactionRecords with transaction.boundary=connector, records per Kafka transaction at most
     *                                (batch.max.rows): chunk rows are no database transaction
     * @param tables the captured tables to read unless their progress says they are done, in order
     * @param stored the progress stored for the captured tables (absent: none), of the tables {@code oids} names
     * @param oids   the pg_class oid of each captured table, stored with its progress
     * @param signalled what the offset lists as asked for by signals and not done yet
     */
    IncrementalSnapshot(CdcSourceTask.Settings settings, int chunkSize, RetryPolicy retry, int kafkaTransactionRecords,
                        List<TableId> tables, Map<TableId, TableProgress> stored, Map<TableId, Long> oids,
                        Pending signalled) {
        this.settings = settings;
        this.retry = retry;
        this.kafkaTransactionRecords = kafkaTransactionRecords;
        List<ChunkReader> perThread = new ArrayList<>();
        for (int i = 0; i < settings.cdc().snapshotMaxThreads(); i++) {
            perThread.add(new ChunkReader(settings.jdbi(), settings.types(), settings.cdc().publicationName(),
                    chunkSize));
        }
        this.readers = List.copyOf(perThread);
        this.stored = new java.util.HashMap<>(stored);
        this.oids = Map.copyOf(oids);
        this.paused = signalled.paused();
        signalled.readWithoutRecord().forEach((table, storedOid) -> {
            // An offset written before oids were stored has none: the table's now, so it is written from here on.
            Long oid = storedOid != null ? storedOid : oids.get(table);
            readWithoutRecord.put(table, oid);
            TableProgress known = this.stored.get(table);
            if (known == null || known.run() == null) {
                this.stored.put(table, new TableProgress(known == null ? null : known.after(), true, null, oid));
            }
        });
        signalled.work().forEach(pending::addLast);
        for (TableId table : tables) {
            TableProgress from = this.stored.get(table);
            if ((from == null || !from.done()) && pending.stream().noneMatch(w -> w.table().equals(table))) {
                pending.addLast(new Work(table, null, null));
            }
        }
        rowsEstimated = queue(pending.stream().map(Work::table).toList());
        if (!pending.isEmpty()) {
            log.info("Incremental snapshot of {} (about {} rows, pg_class.reltuples){}",
                    pending.stream().map(Work::table).toList(), rowsEstimated, paused ? ", paused by a signal" : "");
        }
        nextTable();
    }

    /** What signals asked for and is not done, and whether a signal paused the snapshot, as offsets carry it. */
    record Pending(List<Work> work, boolean paused, Map<TableId, Long> readWithoutRecord) {

        static final Pending NONE = new Pending(List.of(), false, Map.of());

        /** This work, with {@code tables} no longer listed as read (they are to be read again as new). */
        Pending unread(java.util.Set<TableId> tables) {
            Map<TableId, Long> left = new java.util.LinkedHashMap<>(readWithoutRecord);
            left.keySet().removeAll(tables);
            return new Pending(work, paused, left);
        }

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
            // "doneOids", aligned with "done", is absent from offsets written before it was stored.
            Map<TableId, Long> done = new java.util.LinkedHashMap<>();
            List<?> listed = json.get("done") == null ? List.of() : (List<?>) json.get("done");
            List<?> oids = json.get("doneOids") == null ? List.of() : (List<?>) json.get("doneOids");
            for (int i = 0; i < listed.size(); i++) {
                Object oid = i < oids.size() ? oids.get(i) : null;
                done.put(TableId.parse((String) listed.get(i)), oid == null ? null : ((Number) oid).longValue());
            }
            return new Pending(work, Boolean.TRUE.equals(json.get("paused")), done);
        }
    }

    /** Marks the tables queued, with their pg_class.reltuples estimates; the sum of those. */
    private long queue(List<TableId> tables) {
        if (tables.isEmpty()) {
            return 0;
        }
        return settings.jdbi().withHandle(h -> {
            long sum = 0;
            for (TableId t : tables) {
                long estimate = h.createQuery("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid ="
                        + " ?::regclass").bind(0, t.quoted()).mapTo(Long.class).findOne().orElse(0L);
                statuses.computeIfAbsent(t, table -> new SnapshotTableStatus(table, estimate)).queued(estimate);
                sum += estimate;
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
                + Json.write(readWithoutRecord.keySet().stream().map(TableId::toString).toList()) + ",\"doneOids\":"
                + Json.write(new ArrayList<>(readWithoutRecord.values())) + "}";
    }

    private static String entryText(Work work) {
        return Json.write(List.of(work.table().toString(), work.run(),
                work.filter() == null ? "" : work.filter()));
    }

    /** A signal asks to read {@code tables} (each with its filter, if any) again: after the work already queued. */
    void execute(String run, List<TableId> tables, Map<TableId, String> filters) {
        filters.forEach(readers.get(0)::requireValidFilter);
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
        rowsEstimated += queue(tables);
        nextTable();
    }

    /** A signal stops the snapshot of {@code tables} (none listed: of all), the chunk waiting included. */
    void stop(List<TableId> tables) {
        pending.removeIf(w -> {
            boolean stopped = tables.isEmpty() || tables.contains(w.table());
            if (stopped && statuses.containsKey(w.table())) {
                statuses.get(w.table()).state(SnapshotTableStatus.State.STOPPED);
            }
            return stopped;
        });
        if (current != null && (tables.isEmpty() || tables.contains(current.table()))) {
            if (batch != null) {
                batch.abandon();
            }
            finishTable(true);
        }
        nextTable();
    }

    void pause() {
        paused = true;
        if (current != null) {
            statuses.get(current.table()).state(SnapshotTableStatus.State.PAUSED);
        }
    }

    void resume() {
        paused = false;
        if (current != null) {
            statuses.get(current.table()).state(SnapshotTableStatus.State.RUNNING);
        }
    }

    /** The progress of each table read or queued in this task run (a live view, for the metrics). */
    java.util.Collection<SnapshotTableStatus> tableStatuses() {
        return statuses.values();
    }

    /** Releases the snapshot's threads and connections. */
    void close() {
        if (threads != null) {
            threads.shutdownNow();
            try {
                if (!threads.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    log.warn("Snapshot chunk reads still running after {} ms: closing their connections",
                            CLOSE_WAIT_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            threads = null;
        }
        batch = null;
        readers.forEach(ChunkReader::close);
    }

    private static final long CLOSE_WAIT_MS = 10_000;

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

    /** The high watermark the stream must pass before the waiting chunks go out, or -1 when none waits. */
    long waitingFor() {
        return batch == null || !batch.waiting() ? -1 : batch.highWatermark();
    }

    /** Whether chunks have been read and wait to be judged (so a stream poll had better return now). */
    boolean chunksRead() {
        ChunkBatch inFlight = batch;
        return inFlight != null && inFlight.readDone();
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
        if (batch != null && batch.waiting() && betweenTransactions && position >= batch.highWatermark()) {
            out = release();
        }
        // Chunks read are judged even while paused: their snapshots are older than what the stream sees meanwhile.
        boolean judge = chunksRead();
        if (judge || (batch == null && !paused && System.currentTimeMillis() >= retryAtMs)) {
            try {
                if (judge) {
                    judgeChunks();
                } else {
                    startReading();
                }
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
        if ((batch == null || !batch.waiting()) && queuedTopics.isEmpty()) {
            return; // no chunk waits and none is queued: reading the record's headers would be wasted per change
        }
        SnapshotWindow.StreamedChange change = SnapshotWindow.StreamedChange.of(record);
        if (change == null) {
            return;
        }
        if (batch != null && batch.waiting() && change.topic().equals(topic)) {
            batch.observe(change);
        } else if (queuedTopics.contains(change.topic())) {
            if (seenSinceRelease.size() == SEEN_MAX) {
                seenSinceRelease.removeFirst();
            }
            seenSinceRelease.addLast(change);
        }
    }

    private List<SourceRecord> release() {
        ChunkBatch.Release released = batch.release(progress.toMap());
        batch = null;
        List<SourceRecord> records = released.records();
        if (settings.transactions() != null) {
            // Chunk rows are no database transaction: bounded Kafka transactions, so none outlives the producer's
            // transaction.timeout.ms however slow the records are to send.
            for (int i = 0; i < records.size(); i++) {
                if ((i + 1) % kafkaTransactionRecords == 0 || i == records.size() - 1) {
                    settings.transactions().commitTransaction(records.get(i));
                }
            }
        }
        rowsRead += released.rows();
        chunksDone += released.chunks();
        SnapshotTableStatus status = statuses.get(current.table());
        status.chunksReleased(released.chunks(), released.rows());
        if (System.currentTimeMillis() - progressLoggedMs >= PROGRESS_LOG_MS) {
            progressLoggedMs = System.currentTimeMillis();
            log.info("Incremental snapshot of {}: {}", current.table(), status.describe());
        }
        progress = released.after();
        stored.put(current.table(), progress);
        if (progress.done()) {
            if (records.isEmpty() && current.run() == null) {
                readWithoutRecord.put(current.table(), oids.get(current.table()));
            }
            finishTable(false);
            nextTable();
        }
        return records;
    }

    private void finishTable(boolean stopped) {
        SnapshotTableStatus status = statuses.get(current.table());
        status.state(stopped ? SnapshotTableStatus.State.STOPPED : SnapshotTableStatus.State.COMPLETED);
        log.info("Incremental snapshot of {}{} {}: {}", current.table(),
                current.run() == null ? "" : " (signal " + current.run() + ")", stopped ? "stopped" : "done",
                status.describe());
        String finished = topic;
        seenSinceRelease.removeIf(c -> c.topic().equals(finished));
        current = null;
        topic = null;
        batch = null;
        if (pending.isEmpty()) {
            readers.forEach(ChunkReader::close);
        }
    }

    /** Starts reading the next chunks of the current table, one per thread, where bounds allow that many. */
    private void startReading() throws SQLException {
        nextTable();
        if (current == null) {
            return;
        }
        List<List<String>> bounds = readers.get(0).bounds(current.table(), progress, current.filter(),
                readers.size());
        if (threads == null) {
            threads = Executors.newFixedThreadPool(readers.size(), new ChunkThreads(settings.cdc().slotName()));
        }
        batch = ChunkBatch.read(threads, readers, bounds, current.table(), topic, current.run(), current.filter(),
                progress, CdcOffset.tablePartition(settings.cdc().slotName(), current.table()), settings.format());
    }

    /**
     * The chunks read: judged against what was streamed since the last release; then a watermark message moves the
     * stream past them. Chunks without a row need no waiting.
     */
    private void judgeChunks() throws SQLException {
        TableProgress last;
        try {
            last = batch.judge(seenSinceRelease);
        } catch (SQLException | RuntimeException e) {
            batch = null;
            throw e;
        }
        if (batch.waiting()) {
            String read = topic;
            seenSinceRelease.removeIf(c -> c.topic().equals(read));
            writeWatermarkMessage();
            return;
        }
        // Nothing to emit, so nothing to wait for; if the table is done now, the stream's next offsets say so.
        chunksDone += batch.chunks();
        statuses.get(current.table()).chunksReleased(batch.chunks(), 0);
        batch = null;
        progress = last;
        stored.put(current.table(), last);
        if (last.done()) {
            if (current.run() == null) {
                readWithoutRecord.put(current.table(), oids.get(current.table()));
            }
            finishTable(false);
            nextTable();
        }
    }

    /** Daemon threads named after the slot, so a thread dump tells whose reads they are. */
    private record ChunkThreads(String slot) implements java.util.concurrent.ThreadFactory {
        private static final java.util.concurrent.atomic.AtomicInteger COUNT = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "tablestream-snapshot-" + slot + "-" + COUNT.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
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
                SnapshotTableStatus done = statuses.get(next.table());
                if (done != null) {
                    done.state(SnapshotTableStatus.State.COMPLETED);
                }
                continue;
            }
            current = next;
            topic = settings.topics().apply(next.table());
            progress = from.ofTable(oids.get(next.table()));
            SnapshotTableStatus status = statuses.computeIfAbsent(next.table(),
                    table -> new SnapshotTableStatus(table, 0));
            status.state(paused ? SnapshotTableStatus.State.PAUSED : SnapshotTableStatus.State.RUNNING);
            progressLoggedMs = System.currentTimeMillis();
            log.info("Incremental snapshot of {}{}{} {} (about {} rows, pg_class.reltuples; {} thread(s))",
                    next.table(), next.run() == null ? "" : " (signal " + next.run() + ")",
                    next.filter() == null ? "" : " where " + next.filter(),
                    from.after() == null ? "starts" : "resumes after key " + from.after(), status.rowsEstimated(),
                    readers.size());
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
            readers.get(0).writeWatermarkMessage();
        } catch (JdbiException e) {
            // Refused on a primary (a read-only session, default_transaction_read_only): each batch then waits for
            // the next WAL the server writes to be decoded.
            watermarkMessageFailed = true;
            log.warn("Cannot write the snapshot's watermark message ({}): each chunk waits for the stream to move"
                    + " past it on its own", e.getMessage());
        }
    }
}
