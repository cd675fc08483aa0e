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
 * Reads the replication stream on a thread of its own, ahead of the task thread: decodes each pgoutput message,
 * converts its rows into change events and hands them over, in stream order, through a bounded queue. The task
 * thread so only turns events into records and hands them to Connect, whose converter and producer work on that
 * thread overlaps with the decoding of what comes next. Every decision about offsets, Kafka transactions and what
 * the slot may confirm stays with the task thread; this thread is the only one that touches the replication
 * connection, so it also sends the confirmations the task thread asks for.
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

    private final PGReplicationStream stream;
    private final Jdbi jdbi;
    private final PgTypeCatalog types;
    private final Set<TableId> captured;
    private final Function<TableId, String> topics;
    private final Set<Character> skippedOperations;
    private final String unavailablePlaceholder;
    private final BlockingQueue<List<Item>> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private final Thread thread;

    // Owned by the reading thread.
    private final Map<Integer, CapturedTable> relations = new HashMap<>();
    private Begin transaction;
    private List<Item> chunk = new ArrayList<>();
    private int chunkBytes;
    private long caughtUpLsn;
    private long confirmed;

    // Owned by the task thread.
    private List<Item> taken = List.of();
    private int takenIndex;

    private volatile boolean running = true;
    private volatile boolean ended;
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
        this.thread = new Thread(this::run, "tablestream-cdc-read-ahead-" + settings.cdc().slotName());
        thread.setDaemon(true); // never keeps a worker's JVM alive; close() still ends it
        thread.start();
    }

    /**
     * The next item, waiting up to {@code waitMs} for one; null when none came. Task thread only.
     *
     * @throws ConnectException when the reading thread ended without saying why (an Error, logged by the JVM)
     */
    Item next(long waitMs) throws InterruptedException {
        if (takenIndex == taken.size()) {
            List<Item> chunk = waitMs > 0 ? queue.poll(waitMs, TimeUnit.MILLISECONDS) : queue.poll();
            if (chunk == null) {
                if (ended && queue.isEmpty()) {
                    throw new ConnectException("The thread reading the replication stream (" + thread.getName()
                            + ") ended unexpectedly; see the worker's log for its error");
                }
                return null;
            }
            taken = chunk;
            takenIndex = 0;
        }
        return taken.get(takenIndex++);
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

    private void run() {
        try {
            while (running) {
                sendConfirmation();
                ByteBuffer message = stream.readPending();
                if (message != null) {
                    chunkBytes += message.remaining();
                    handle(PgOutputDecoder.decode(message));
                    if (chunk.size() >= CHUNK_ITEMS || chunkBytes >= CHUNK_BYTES) {
                        handOver();
                    }
                    continue;
                }
                if (transaction == null) {
                    caughtUp();
                }
                if (chunk.isEmpty()) {
                    TimeUnit.MILLISECONDS.sleep(IDLE_SLEEP_MS);
                } else {
                    handOver();
                }
            }
        } catch (InterruptedException e) {
            // close() stops this thread: nothing is handed over any more
        } catch (SQLException | RuntimeException e) {
            if (running) {
                chunk.add(new Failed(e));
                offerUntilStopped(chunk);
            }
        } finally {
            ended = true;
        }
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
        thread.interrupt();
        return awaitEnd();
    }

    boolean awaitEnd() {
        try {
            thread.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
        return !thread.isAlive();
    }

    @Override
    public void close() {
        stop();
    }
}
