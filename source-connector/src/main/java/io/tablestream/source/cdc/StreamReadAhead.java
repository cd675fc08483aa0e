package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.cdc.PgOutputMessage.Begin;
import io.tablestream.source.cdc.PgOutputMessage.Commit;
import io.tablestream.source.cdc.PgOutputMessage.Delete;
import io.tablestream.source.cdc.PgOutputMessage.Insert;
import io.tablestream.source.cdc.PgOutputMessage.Relation;
import io.tablestream.source.cdc.PgOutputMessage.Truncate;
import io.tablestream.source.cdc.PgOutputMessage.Update;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Reads the replication stream, decodes each pgoutput message and converts its rows into change events, in stream
 * order. While there is a backlog it does so on a thread of its own, ahead of the task thread, handing the events
 * over through a bounded queue: the task thread then only turns events into records and hands them to Connect,
 * whose converter and producer work overlaps with the decoding of what comes next. Once the stream is quiet the
 * thread ends and the task thread reads for itself again, so a lone small commit does not pay a hand-over between
 * threads (which, on a machine without a free core, waits for one). Every decision about offsets, Kafka
 * transactions and what the slot may confirm stays with the task thread; whichever thread reads is the only one
 * that touches the replication connection, so it also sends the confirmations the task thread asks for.
 */
final class StreamReadAhead implements AutoCloseable {

    /** What the task thread receives, in stream order. */
    sealed interface Item {
    }

    /** A database transaction starts. */
    record Started(Begin begin) implements Item {
    }

    /** A row change of a captured table, not among skipped.operations. */
    record Change(ChangeEvent event) implements Item {
    }

    /** The transaction ends. */
    record Ended(Commit commit) implements Item {
    }

    /**
     * Nothing was pending and no transaction was open when the server had sent WAL up to {@code receivedLsn}: every
     * change before it is among the items before this one.
     */
    record CaughtUp(long receivedLsn) implements Item {
    }

    /** Reading failed: this is the last item; the task thread rethrows the error. */
    record Failed(Exception error) implements Item {
    }

    private static final Logger log = LoggerFactory.getLogger(StreamReadAhead.class);
    /** PostgreSQL timestamps count from 2000-01-01. */
    private static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    /**
     * Items and WAL bytes handed over at once: large enough that handing over costs nothing per change, small
     * enough that the queue bounds memory (about {@value #QUEUE_CHUNKS} MiB of WAL, whatever the row size).
     */
    private static final int CHUNK_ITEMS = 1024;
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int QUEUE_CHUNKS = 8;
    /** Sleep between looks at an idle stream: it adds up to this much to a change's latency. */
    private static final long IDLE_SLEEP_MS = 2;
    /** While the queue is full, confirmations still go out this often. */
    private static final long HAND_OVER_WAIT_MS = 50;
    /** How long close() waits for the thread before closing the connection under it. */
    private static final long STOP_WAIT_MS = 2_000;
    /** With no message for this long, the thread ends and the task thread reads for itself again. */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final PGReplicationStream stream;
    private final Jdbi jdbi;
    private final PgTypeCatalog types;
    private final Set<TableId> captured;
    private final Function<TableId, String> topics;
    private final Set<Character> skippedOperations;
    private final String unavailablePlaceholder;
    private final BlockingQueue<List<Item>> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private final String threadName;

    // Owned by whichever thread reads: the read-ahead thread while it runs, else the task thread.
    private final Map<Integer, CapturedTable> relations = new HashMap<>();
    private Begin transaction;
    private List<Item> chunk = new ArrayList<>();
    private int chunkBytes;
    private long caughtUpLsn;
    private long confirmed;

    // Owned by the task thread.
    private List<Item> taken = List.of();
    private int takenIndex;
    private Thread thread; // the last read-ahead thread started, null before the first
    private int messagesWithoutPause; // read on this thread since readPending last found nothing

    private volatile boolean running = true;
    // Written last by the read-ahead thread before it ends, so the task thread then sees all it wrote.
    private volatile boolean threadReads;
    private volatile boolean threadDied;
    private volatile long confirmRequested;
    private volatile long confirmedLsn;

    StreamReadAhead(PGReplicationStream stream, CdcSourceTask.Settings settings, long confirmedLsn) {
        this.stream = stream;
        this.jdbi = settings.jdbi();
        this.types = settings.types();
        this.captured = Set.copyOf(settings.tables());
        this.topics = settings.topics();
        this.skippedOperations = settings.cdc().skippedOperations();
        this.unavailablePlaceholder = settings.cdc().unavailableValuePlaceholder();
        this.confirmed = confirmedLsn;
        this.confirmedLsn = confirmedLsn;
        this.confirmRequested = confirmedLsn;
        this.threadName = "tablestream-cdc-read-ahead-" + settings.cdc().slotName();
    }

    /**
     * The next item, waiting up to {@code waitMs} for one (or, reading on this thread, looking once more after
     * {@value #IDLE_SLEEP_MS} ms); null when none came. Task thread only.
     *
     * @throws ConnectException when the read-ahead thread ended without saying why (an Error, logged by the JVM)
     */
    Item next(long waitMs) throws InterruptedException, SQLException {
        if (takenIndex == taken.size()) {
            List<Item> items;
            if (threadReads) {
                items = waitMs > 0 ? queue.poll(waitMs, TimeUnit.MILLISECONDS) : queue.poll();
            } else if (!queue.isEmpty()) {
                items = queue.poll(); // what the thread read before it ended
            } else if (threadDied) {
                throw new ConnectException("The thread reading the replication stream (" + threadName
                        + ") ended unexpectedly; see the worker's log for its error");
            } else {
                items = readHere(waitMs);
            }
            if (items == null) {
                return null;
            }
            taken = items;
            takenIndex = 0;
        }
        return taken.get(takenIndex++);
    }

    /**
     * Reads on the task thread, a message at a time, so its poll decides when to return as without a second thread;
     * once a full chunk's worth of messages was pending without a pause, the read-ahead thread takes over.
     */
    private List<Item> readHere(long waitMs) throws InterruptedException, SQLException {
        while (chunk.isEmpty()) {
            if (!readOne()) {
                messagesWithoutPause = 0;
                if (!chunk.isEmpty()) {
                    break; // where the stream is caught up
                }
                if (waitMs > 0) {
                    TimeUnit.MILLISECONDS.sleep(IDLE_SLEEP_MS);
                }
                return null;
            }
            if (++messagesWithoutPause >= CHUNK_ITEMS) {
                messagesWithoutPause = 0;
                List<Item> items = takeChunk();
                startThread();
                return items.isEmpty() ? null : items;
            }
        }
        return takeChunk();
    }

    private List<Item> takeChunk() {
        List<Item> items = chunk;
        chunk = new ArrayList<>();
        chunkBytes = 0;
        return items;
    }

    private void startThread() {
        threadReads = true;
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true); // never keeps a worker's JVM alive; close() still ends it
        thread.start();
    }

    /** Asks the reading thread to confirm {@code lsn} to the slot (flushed and applied). Task thread only. */
    void confirm(long lsn) {
        if (lsn > confirmRequested) {
            confirmRequested = lsn;
        }
    }

    /** The LSN last sent to the server as confirmed. */
    long confirmedLsn() {
        return confirmedLsn;
    }

    /** The read-ahead thread: reads until stopped, failed, or quiet for a while. */
    private void run() {
        boolean accountedFor = false; // stays false only when an Error ends the thread (the JVM logs it)
        try {
            long lastMessage = System.nanoTime();
            while (running) {
                if (readOne()) {
                    lastMessage = System.nanoTime();
                    if (chunk.size() >= CHUNK_ITEMS || chunkBytes >= CHUNK_BYTES) {
                        handOver();
                    }
                } else if (!chunk.isEmpty()) {
                    handOver();
                } else if (transaction == null && System.nanoTime() - lastMessage >= QUIET_NANOS) {
                    break; // the task thread reads for itself again
                } else {
                    TimeUnit.MILLISECONDS.sleep(IDLE_SLEEP_MS);
                }
            }
            accountedFor = true;
        } catch (InterruptedException e) {
            accountedFor = true; // close() stops this thread: nothing is handed over any more
        } catch (SQLException | RuntimeException e) {
            if (running) {
                chunk.add(new Failed(e));
                offerUntilStopped(chunk);
            }
            accountedFor = true;
        } finally {
            threadDied = !accountedFor;
            threadReads = false;
        }
    }

    /** Reads one message into the chunk, or marks where the stream is caught up; answers whether one came. */
    private boolean readOne() throws SQLException {
        sendConfirmation();
        ByteBuffer message = stream.readPending();
        if (message != null) {
            chunkBytes += message.remaining();
            handle(PgOutputDecoder.decode(message));
            return true;
        }
        if (transaction == null) {
            caughtUp();
        }
        return false;
    }

    private void caughtUp() {
        long received = stream.getLastReceiveLSN().asLong();
        if (received > caughtUpLsn) {
            caughtUpLsn = received;
            chunk.add(new CaughtUp(received));
        }
    }

    /** Hands the chunk to the task thread, waiting while the queue is full (confirming meanwhile). */
    private void handOver() throws InterruptedException, SQLException {
        List<Item> full = chunk;
        chunk = new ArrayList<>();
        chunkBytes = 0;
        while (running && !queue.offer(full, HAND_OVER_WAIT_MS, TimeUnit.MILLISECONDS)) {
            sendConfirmation();
        }
    }

    private void offerUntilStopped(List<Item> items) {
        try {
            while (running && !queue.offer(items, HAND_OVER_WAIT_MS, TimeUnit.MILLISECONDS)) {
                // the task thread takes the items before this one first
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    private void sendConfirmation() throws SQLException {
        long lsn = confirmRequested;
        if (lsn > confirmed) {
            LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
            stream.setFlushedLSN(position);
            stream.setAppliedLSN(position);
            stream.forceUpdateStatus();
            confirmed = lsn;
            confirmedLsn = lsn;
        }
    }

    private void handle(PgOutputMessage message) {
        if (message instanceof Begin begin) {
            transaction = begin;
            chunk.add(new Started(begin));
        } else if (message instanceof Commit commit) {
            transaction = null;
            chunk.add(new Ended(commit));
        } else if (message instanceof Relation relation) {
            relation(relation);
        } else if (message instanceof Insert insert) {
            CapturedTable table = relations.get(insert.relationId());
            if (table != null) {
                Struct row = table.row(insert.newTuple());
                add(event(table, 'c', table.key(row), null, row, List.of()));
            }
        } else if (message instanceof Update update) {
            CapturedTable table = relations.get(update.relationId());
            if (table != null) {
                update(table, update);
            }
        } else if (message instanceof Delete delete) {
            CapturedTable table = relations.get(delete.relationId());
            if (table != null) {
                Struct before = delete.oldIsKeyOnly() ? table.knownValues(delete.oldTuple())
                        : table.row(delete.oldTuple());
                add(event(table, 'd', table.key(delete.oldTuple()), before, null, List.of()));
            }
        } else if (message instanceof Truncate truncate) {
            truncate.relationIds().stream().map(relations::get).filter(Objects::nonNull).forEach(t -> {
                if (skippedOperations.contains('t')) {
                    log.warn("Table {} was truncated; with {} containing t the truncate is not emitted, so its topic"
                            + " still holds the old rows", t.table(), CdcConfig.SKIPPED_OPERATIONS_CONFIG);
                }
                add(event(t, 't', null, null, null, List.of()));
            });
        }
    }

    private void update(CapturedTable table, Update update) {
        Struct key = table.key(update.newTuple());
        Struct before = null;
        if (update.oldTuple() != null) {
            Struct oldKey = table.key(update.oldTuple());
            if (oldKey != null && !oldKey.equals(key)) {
                // The primary key changed: the old key's row is gone, downstream must delete it.
                Struct oldRow = update.oldIsKeyOnly() ? table.knownValues(update.oldTuple())
                        : table.row(update.oldTuple());
                add(event(table, 'd', oldKey, oldRow, null, List.of()));
            } else if (!update.oldIsKeyOnly()) {
                before = table.row(update.oldTuple());
            }
        }
        PgOutputMessage.TupleData oldRow = update.oldIsKeyOnly() ? null : update.oldTuple();
        List<String> unavailable = new ArrayList<>();
        Struct after = table.row(update.newTuple(), oldRow, unavailable);
        add(event(table, 'u', key, before, after, unavailable));
    }

    private void relation(Relation relation) {
        TableId table = new TableId(relation.namespace(), relation.name());
        if (!captured.contains(table)) {
            return; // a publication FOR ALL TABLES also sends tables we do not capture
        }
        CapturedTable previous = relations.get(relation.relationId());
        CapturedTable current = jdbi.withHandle(h -> CapturedTable.of(relation, h, topics.apply(table), types,
                unavailablePlaceholder));
        if (previous != null && !previous.schema().valueSchema().equals(current.schema().valueSchema())) {
            log.info("Table {} changed its columns; the next records carry the new schema", table);
        }
        relations.put(relation.relationId(), current);
    }

    private ChangeEvent event(CapturedTable table, char op, Struct key, Struct before, Struct after,
                              List<String> unavailableColumns) {
        long xid = transaction == null ? 0 : transaction.xid();
        long commitMs = transaction == null ? System.currentTimeMillis()
                : PG_EPOCH.plus(transaction.commitTimeMicros(), ChronoUnit.MICROS).toEpochMilli();
        long lsn = transaction == null ? stream.getLastReceiveLSN().asLong() : transaction.finalLsn();
        return new ChangeEvent(table.schema(), table.topic(), op, key, before, after, lsn, xid, commitMs,
                unavailableColumns);
    }

    private void add(ChangeEvent event) {
        if (!skippedOperations.contains(event.op())) {
            chunk.add(new Change(event));
        }
    }

    /**
     * Stops the thread and waits for it; answers whether it ended. One stuck in a read of the connection ends when
     * the caller closes the connection: then {@link #awaitEnd} waits for it.
     */
    boolean stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
        return awaitEnd();
    }

    boolean awaitEnd() {
        if (thread != null) {
            try {
                thread.join(STOP_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        queue.clear();
        return thread == null || !thread.isAlive();
    }

    @Override
    public void close() {
        stop();
    }
}
