package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The chunks of one table read at once, each on its own thread, connection and transaction, and released together.
 * Its contract: the records it releases never let a newer streamed change be followed by an older chunk row, and
 * the offset they carry never claims a chunk part of which was not handed to Connect.
 *
 * <ul>
 *   <li><b>Against the stream.</b> Each chunk gets its own {@link SnapshotWindow} (its own snapshot and high
 *       watermark) once read; it judges the changes streamed since the previous release, then every change
 *       {@link #observe observed} until the release. The batch waits for the highest of the watermarks
 *       ({@link #highWatermark}), which is past each chunk's own.</li>
 *   <li><b>Key order.</b> The chunks cover consecutive key ranges (bounds read beforehand, the last range open), so
 *       released in the order they were started their rows follow the key.</li>
 *   <li><b>Offsets.</b> A chunk's records carry the progress before it, its last record the progress after it (and
 *       after the empty chunks that follow it, which have nothing to send). Connect commits a partition's offset
 *       only up to the first record it has not acknowledged, in the order the records were polled, so a committed
 *       offset never passes a chunk part of which was lost: a restart reads at most this batch again.</li>
 * </ul>
 */
final class ChunkBatch {

    /** What a release hands to Connect: the records, and how far the table has come with them. */
    record Release(List<SourceRecord> records, int rows, int chunks, TableProgress after) {
    }

    /**
     * A chunk read, and its rows' records built on the thread that read it (the task thread has Connect's converter
     * and producer to run): each carries the progress before the chunk, as all but a chunk's last record do.
     */
    private record ReadChunk(ChunkReader.Chunk chunk, Map<ChangeEvent, List<SourceRecord>> records) {
    }

    private final TableId table;
    private final String topic;
    private final String run;
    /** The pg_class oid of the table, stored with each chunk's progress (null: not known). */
    private final Long oid;
    private final Map<String, String> partition;
    private final RecordFormat format;
    // The reads (null once collected), then the chunks' windows, the records built for their rows and the progress
    // after each (null until judged).
    private List<Future<ReadChunk>> reading;
    private List<SnapshotWindow> windows;
    private List<Map<ChangeEvent, List<SourceRecord>>> records;
    private List<TableProgress> afterEach;
    private int chunks;

    private ChunkBatch(TableId table, String topic, String run, Long oid, Map<String, String> partition,
                       RecordFormat format) {
        this.table = table;
        this.topic = topic;
        this.run = run;
        this.oid = oid;
        this.partition = partition;
        this.format = format;
    }

    /**
     * Starts reading the chunks of {@code table} after {@code from}: one up to each of {@code bounds}, then one open
     * chunk, each with the reader of its own position in {@code readers}.
     *
     * @param run the signal the chunks are read for (null: the table is captured and was never read)
     */
    static ChunkBatch read(ExecutorService threads, List<ChunkReader> readers, List<List<String>> bounds,
                           TableId table, String topic, String run, String filter, TableProgress from,
                           Map<String, String> partition, RecordFormat format) {
        Long oid = from.oid();
        ChunkBatch batch = new ChunkBatch(table, topic, run, oid, partition, format);
        List<Future<ReadChunk>> futures = new ArrayList<>(bounds.size() + 1);
        TableProgress chunkFrom = from;
        for (int i = 0; i <= bounds.size(); i++) {
            ChunkReader reader = readers.get(i);
            TableProgress after = chunkFrom;
            Map<String, Object> before = after.inRun(run).ofTable(oid).toMap();
            List<String> upTo = i < bounds.size() ? bounds.get(i) : null;
            futures.add(threads.submit(() -> {
                ChunkReader.Chunk chunk = reader.read(table, topic, after, upTo, filter);
                Map<ChangeEvent, List<SourceRecord>> built = new IdentityHashMap<>(chunk.rows().size());
                for (ChangeEvent row : chunk.rows()) {
                    built.put(row, row.toRecords(partition, before, format));
                }
                return new ReadChunk(chunk, built);
            }));
            chunkFrom = new TableProgress(upTo, false);
        }
        batch.reading = futures;
        return batch;
    }

    /** Whether every chunk has been read and the batch waits to be {@link #judge judged}. */
    boolean readDone() {
        List<Future<ReadChunk>> inFlight = reading;
        return inFlight != null && inFlight.stream().allMatch(Future::isDone);
    }

    /**
     * Collects the chunks read and gives each its window, which judges {@code seenBefore} (the changes to the table
     * streamed since the previous release, in stream order). The progress after the batch; when no chunk holds a
     * row there is nothing to wait for nor to release ({@link #waiting} stays false).
     */
    TableProgress judge(Collection<SnapshotWindow.StreamedChange> seenBefore) throws SQLException {
        List<ReadChunk> read = new ArrayList<>(reading.size());
        try {
            for (Future<ReadChunk> future : reading) {
                read.add(future.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while collecting snapshot chunks of " + table, e);
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        } finally {
            reading = null;
        }
        chunks = read.size();
        TableProgress last = read.get(read.size() - 1).chunk().after().inRun(run).ofTable(oid);
        if (read.stream().allMatch(r -> r.chunk().rows().isEmpty())) {
            return last;
        }
        windows = new ArrayList<>(read.size());
        records = new ArrayList<>(read.size());
        afterEach = new ArrayList<>(read.size());
        for (ReadChunk r : read) {
            ChunkReader.Chunk chunk = r.chunk();
            windows.add(new SnapshotWindow(topic, chunk.tableOid(), chunk.snapshot(), chunk.highWatermark(),
                    chunk.rows(), seenBefore));
            records.add(r.records());
            afterEach.add(chunk.after().inRun(run).ofTable(oid));
        }
        return last;
    }

    /** How many chunks the batch holds (known once judged). */
    int chunks() {
        return chunks;
    }

    /** Whether judged chunks hold rows that wait for the stream to pass {@link #highWatermark}. */
    boolean waiting() {
        return windows != null;
    }

    /** The WAL position the stream must pass, between transactions, before the batch may be released. */
    long highWatermark() {
        return windows.stream().mapToLong(SnapshotWindow::highWatermark).max().orElse(-1);
    }

    /** A change the stream handed out while the batch waits: it wins over the chunks' rows of its key. */
    void observe(SnapshotWindow.StreamedChange change) {
        windows.forEach(w -> w.observe(change));
    }

    /**
     * The chunks' rows no newer streamed change touched, as records in key order, once the stream has passed the
     * batch; {@code before}: the table's progress before the batch.
     */
    Release release(Map<String, Object> before) {
        List<List<ChangeEvent>> chunks = windows.stream().map(SnapshotWindow::rows).toList();
        List<SourceRecord> out = new ArrayList<>();
        int rowCount = 0;
        for (int c = 0; c < chunks.size(); c++) {
            List<ChangeEvent> rows = chunks.get(c);
            if (rows.isEmpty()) {
                continue;
            }
            int next = c + 1;
            while (next < chunks.size() && chunks.get(next).isEmpty()) {
                next++;
            }
            // Only the last record claims the chunk (and the empty ones after it): a restart with part of it in
            // Kafka reads the chunk again.
            Map<String, Object> claim = afterEach.get(next - 1).toMap();
            Map<ChangeEvent, List<SourceRecord>> built = records.get(c);
            for (int i = 0; i < rows.size(); i++) {
                ChangeEvent row = rows.get(i);
                List<SourceRecord> asRead = built.get(row); // null for a row the window merged with an update
                out.addAll(i < rows.size() - 1 && asRead != null ? asRead
                        : row.toRecords(partition, i == rows.size() - 1 ? claim : before, format));
            }
            before = claim;
            rowCount += rows.size();
        }
        Release release = new Release(out, rowCount, chunks.size(), afterEach.get(afterEach.size() - 1));
        windows = null;
        records = null;
        return release;
    }

    /** Waits for the reads in flight, whatever their outcome, so their readers may read again; drops the batch. */
    void abandon() {
        if (reading != null) {
            for (Future<ReadChunk> read : reading) {
                try {
                    read.get();
                } catch (ExecutionException e) {
                    // The chunk is dropped anyway: its failure no longer matters.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        reading = null;
        windows = null;
        records = null;
    }

    /** What a chunk read failed with, as the task thread handles it. */
    private static SQLException rethrown(Throwable cause) {
        if (cause instanceof SQLException sql) {
            return sql;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime; // JdbiException (retried) or ConnectException (a schema the snapshot cannot read)
        }
        if (cause instanceof Error error) {
            throw error;
        }
        throw new ConnectException("Reading a snapshot chunk failed: " + cause, cause);
    }
}
