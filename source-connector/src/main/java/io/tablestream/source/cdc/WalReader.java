package io.tablestream.source.cdc;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
import io.tablestream.source.PostgresSourceConfig;
import io.tablestream.source.cdc.PgOutputMessage.Begin;
import io.tablestream.source.cdc.PgOutputMessage.Commit;
import io.tablestream.source.cdc.PgOutputMessage.Delete;
import io.tablestream.source.cdc.PgOutputMessage.Insert;
import io.tablestream.source.cdc.PgOutputMessage.Relation;
import io.tablestream.source.cdc.PgOutputMessage.Truncate;
import io.tablestream.source.cdc.PgOutputMessage.Update;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the slot ahead of the task on a thread of its own: reads the replication stream, decodes pgoutput and
 * converts each change's text values into Structs, so the task thread only builds records and Connect converts and
 * produces them meanwhile. What it hands over keeps WAL order, positions included, so the task thread knows exactly
 * which transactions it has handed out. A {@link PGReplicationStream} is not thread-safe: only this thread touches
 * it, confirmations the task asks for included. One reader serves one connection: a lost connection ends it, and
 * the task starts a new one.
 */
final class WalReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WalReader.class);
    /** PostgreSQL timestamps count from 2000-01-01. */
    private static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    /** How long the reader sleeps when nothing is pending: it adds up to this much to a change's latency. */
    private static final long IDLE_SLEEP_MS = 2;
    /**
     * Read ahead: at most this many lists of {@value #LIST_SIZE} items, each handed over after at most about
     * {@value #LIST_BYTES} bytes of WAL messages too, so the heap stays flat however far ahead and however wide
     * the rows.
     */
    private static final int QUEUED_LISTS = 8;
    private static final int LIST_SIZE = 256;
    private static final int LIST_BYTES = 1 << 20;
    /** How long close waits for the thread to end before closing the connection under it. */
    private static final long CLOSE_WAIT_MS = 5_000;

    /** What the reader hands the task thread, in WAL order. */
    sealed interface Item {
    }

    /** A database transaction starts. */
    record Began(long xid) implements Item {
    }

    /** A database transaction ends; {@code endLsn} is what the slot may confirm once its records are in Kafka. */
    record Committed(long endLsn) implements Item {
    }

    /** A change of a captured table, converted. */
    record Change(ChangeEvent event) implements Item {
    }

    /** Between transactions: every transaction committed before {@code lsn} has been handed out. */
    record Passed(long lsn) implements Item {
    }

    /**
     * The last item: the connection failed ({@link SQLException} or {@link JdbiException}: the task reconnects) or a
     * change could not be read (any other RuntimeException: the task fails with it).
     */
    record Failed(Exception cause) implements Item {
    }

    /** Opens a replication (walsender) connection. */
    @FunctionalInterface
    interface ReplicationConnector {
        Connection open() throws SQLException;
    }

    private final CdcSourceTask.Settings settings;
    private final String slotName;
    private final Set<TableId> captured;
    private final Set<Character> skippedOperations;
    private final Connection connection;
    private final PGReplicationStream stream;
    private final Handoff<Item> handoff = new Handoff<>(QUEUED_LISTS, LIST_SIZE);
    private final Thread thread;
    private final AtomicLong confirmRequested;
    private volatile long confirmed;
    private volatile boolean closed;
    // Read by the reader thread only
    private final Map<Integer, CapturedTable> relations = new HashMap<>();
    private Begin transaction;
    private long passed;
    private long bytesSinceFlush;

    /**
     * Connects and starts streaming from {@code start} on the calling thread (so a failure to connect is the
     * caller's), then reads on the reader thread.
     *
     * @param confirmed the LSN the slot has confirmed (it never streams from before it)
     */
    static WalReader start(CdcSourceTask.Settings settings, ReplicationConnector connector, LogSequenceNumber start,
                           long confirmed) throws SQLException {
        Connection connection = connector.open();
        PGReplicationStream stream;
        try {
            stream = connection.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName(settings.cdc().slotName())
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", Identifiers.quote(settings.cdc().publicationName()))
                    .withStartPosition(start)
                    .withStatusInterval(10, TimeUnit.SECONDS)
                    .start();
        } catch (SQLException | RuntimeException e) {
            close(connection);
            throw e;
        }
        log.info("Streaming slot {} from LSN {}", settings.cdc().slotName(), start.asString());
        WalReader reader = new WalReader(settings, connection, stream, confirmed);
        reader.thread.start();
        return reader;
    }

    private WalReader(CdcSourceTask.Settings settings, Connection connection, PGReplicationStream stream,
                      long confirmed) {
        this.settings = settings;
        this.slotName = settings.cdc().slotName();
        this.captured = Set.copyOf(settings.tables());
        this.skippedOperations = settings.cdc().skippedOperations();
        this.connection = connection;
        this.stream = stream;
        this.confirmed = confirmed;
        this.confirmRequested = new AtomicLong(confirmed);
        this.thread = new Thread(this::run, "tablestream-cdc-reader-" + slotName);
        thread.setDaemon(true);
    }

    /** Task thread: the next item, waiting up to {@code waitMs} for one; null if none came. */
    Item next(long waitMs) throws InterruptedException {
        boolean running = thread.isAlive(); // before looking: a reader that has ended has handed over everything
        Item item = handoff.take(waitMs);
        if (item == null && !running) {
            throw new ConnectException("The replication reader of slot " + slotName
                    + " ended unexpectedly; its error is in the worker's log");
        }
        return item;
    }

    /** Task thread: lets the slot release WAL up to {@code lsn}; the reader thread sends it. */
    void confirm(long lsn) {
        confirmRequested.accumulateAndGet(lsn, Math::max);
    }

    /** The LSN last confirmed to the slot (its confirmed_flush_lsn, once the server has the status update). */
    long confirmed() {
        return confirmed;
    }

    private void run() {
        try {
            while (!closed) {
                sendConfirmation();
                ByteBuffer message = stream.readPending();
                if (message != null) {
                    bytesSinceFlush += message.remaining();
                    handle(PgOutputDecoder.decode(message));
                    if (bytesSinceFlush >= LIST_BYTES) {
                        flush();
                    }
                } else {
                    handOverPosition();
                    flush();
                    TimeUnit.MILLISECONDS.sleep(IDLE_SLEEP_MS);
                }
            }
        } catch (SQLException | JdbiException e) {
            fail(e);
        } catch (RuntimeException e) {
            // A value that does not convert or a malformed message: the task fails with it, on its own thread.
            fail(e);
        } catch (InterruptedException e) {
            // close() ends the reader
        } finally {
            Thread.interrupted(); // closing the stream must not be cut short
            closeStream();
        }
    }

    private void flush() throws InterruptedException {
        handoff.flush();
        bytesSinceFlush = 0;
    }

    private void flushIfConsumerWaits() throws InterruptedException {
        if (handoff.flushIfConsumerWaits()) {
            bytesSinceFlush = 0;
        }
    }

    private void fail(Exception cause) {
        if (closed) {
            return; // closing the connection under a stuck reader fails it
        }
        try {
            handoff.add(new Failed(cause));
            handoff.flush();
        } catch (InterruptedException e) {
            // closed meanwhile: nobody waits for it
        }
    }

    private void sendConfirmation() throws SQLException {
        long lsn = confirmRequested.get();
        if (lsn > confirmed) {
            LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
            stream.setFlushedLSN(position);
            stream.setAppliedLSN(position);
            stream.forceUpdateStatus();
            confirmed = lsn;
        }
    }

    /**
     * Nothing pending and no transaction open: the server has decoded up to its last sent position (keepalives
     * carry it), so every transaction committed before it has been handed over.
     */
    private void handOverPosition() throws InterruptedException {
        if (transaction == null) {
            long received = stream.getLastReceiveLSN().asLong();
            if (received > passed) {
                passed = received;
                handoff.add(new Passed(received));
            }
        }
    }

    private void handle(PgOutputMessage message) throws InterruptedException {
        if (message instanceof Begin begin) {
            transaction = begin;
            handoff.add(new Began(begin.xid()));
        } else if (message instanceof Commit commit) {
            transaction = null;
            handoff.add(new Committed(commit.endLsn()));
            flushIfConsumerWaits(); // a transaction's records go out at its commit: no need to wait for more
        } else if (message instanceof Relation relation) {
            relation(relation);
        } else if (message instanceof Insert insert) {
            CapturedTable table = admitting(insert.relationId(), insert.newTuple());
            if (table != null) {
                Struct after = table.row(insert.newTuple());
                change(table, 'c', table.key(after), null, after, List.of());
            }
        } else if (message instanceof Update update) {
            CapturedTable table = update.oldTuple() == null || update.oldIsKeyOnly()
                    ? admitting(update.relationId(), update.newTuple())
                    : admitting(update.relationId(), update.newTuple(), update.oldTuple());
            if (table != null) {
                update(table, update);
            }
        } else if (message instanceof Delete delete) {
            CapturedTable table = delete.oldIsKeyOnly() ? relations.get(delete.relationId())
                    : admitting(delete.relationId(), delete.oldTuple());
            if (table != null) {
                Struct before = delete.oldIsKeyOnly() ? table.knownValues(delete.oldTuple())
                        : table.row(delete.oldTuple());
                change(table, 'd', table.key(before), before, null, List.of());
            }
        } else if (message instanceof Truncate truncate) {
            for (int relationId : truncate.relationIds()) {
                CapturedTable table = relations.get(relationId);
                if (table != null) {
                    change(table, 't', null, null, null, List.of());
                }
            }
        }
    }

    private void update(CapturedTable table, Update update) throws InterruptedException {
        PgOutputMessage.TupleData old = update.oldTuple();
        Struct oldValues = old == null ? null : update.oldIsKeyOnly() ? table.knownValues(old) : table.row(old);
        List<String> unavailable = new ArrayList<>();
        Struct after = table.row(update.newTuple(), update.oldIsKeyOnly() ? null : old, unavailable);
        Struct key = table.key(after);
        Struct before = null;
        if (oldValues != null) {
            Struct oldKey = table.key(oldValues);
            if (oldKey != null && !oldKey.equals(key)) {
                // The primary key changed: the old key's row is gone, downstream must delete it.
                change(table, 'd', oldKey, oldValues, null, List.of());
            } else if (!update.oldIsKeyOnly()) {
                before = oldValues;
            }
        }
        change(table, 'u', key, before, after, unavailable);
    }

    /** The captured table of a relation (null: not captured), able to hold the tuples' nulls. */
    private CapturedTable admitting(int relationId, PgOutputMessage.TupleData... tuples) {
        CapturedTable table = relations.get(relationId);
        if (table == null) {
            return null;
        }
        CapturedTable admitting = table.admitting(tuples);
        if (admitting != table) {
            relations.put(relationId, admitting);
        }
        return admitting;
    }

    private void relation(Relation relation) {
        TableId table = new TableId(relation.namespace(), relation.name());
        long oid = Integer.toUnsignedLong(relation.relationId());
        // The WAL names a table as it was then: one renamed or dropped since is captured if that name is selected.
        // A publication FOR ALL TABLES also sends tables we do not capture.
        boolean capturedName = captured.contains(table);
        // A table captured at start, or in this session, renamed since: its new name needs only to be selected
        boolean capturedOid = relations.containsKey(relation.relationId()) || settings.tableOids().contains(oid);
        CapturedTable current = !capturedName && !settings.selector().matches(table) ? null
                : settings.jdbi().withHandle(h -> {
                    Optional<CapturedTable.TableNow> now = CapturedTable.TableNow.of(h, oid);
                    if (!capturedName && !(capturedOid ? settings.selector().selectsName(h, table)
                            : renamedOrDropped(h, table, now))) {
                        return null;
                    }
                    return CapturedTable.of(relation, now, h, settings.topics().apply(table), settings.types(),
                            settings.cdc().unavailableValuePlaceholder());
                });
        CapturedTable previous = current == null ? relations.remove(relation.relationId())
                : relations.put(relation.relationId(), current);
        if (current == null && previous != null) {
            log.warn("Table {} (oid {}) is named {} from here on in the WAL, a name this connector does not capture:"
                    + " its changes are not streamed from here on. To capture it, add {} to {} (or fix {} / {}) and"
                    + " restart the connector", previous.table(), oid, table, table,
                    PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG, PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG,
                    PostgresSourceConfig.SCHEMA_PATTERN_CONFIG);
        } else if (current != null && previous != null
                && !previous.schema().valueSchema().equals(current.schema().valueSchema())) {
            log.info("Table {} changed its columns; the next records carry the new schema", table);
        }
    }

    /**
     * Whether a name the start-up selection did not capture is that of a table renamed or dropped since the WAL
     * named it so: its oid no longer names a table, or names one under another name, and the lists and
     * schema.pattern select the name. A table under that very name now was left out by the selection on purpose
     * (its user may not SELECT it, table.types leaves it out) or created since the task started: not captured.
     */
    private boolean renamedOrDropped(Handle handle, TableId table, Optional<CapturedTable.TableNow> now) {
        if (now.isPresent() && (now.get().table().equals(table) || !now.get().readable())) {
            return false;
        }
        return settings.selector().selectsName(handle, table);
    }

    private void change(CapturedTable table, char op, Struct key, Struct before, Struct after,
                        List<String> unavailableColumns) throws InterruptedException {
        if (skippedOperations.contains(op)) {
            if (op == 't') {
                log.warn("Table {} was truncated; with {} containing t the truncate is not emitted, so its topic"
                        + " still holds the old rows", table.table(), CdcConfig.SKIPPED_OPERATIONS_CONFIG);
            }
            return;
        }
        long xid = transaction == null ? 0 : transaction.xid();
        long commitMs = transaction == null ? System.currentTimeMillis()
                : PG_EPOCH.plus(transaction.commitTimeMicros(), ChronoUnit.MICROS).toEpochMilli();
        long lsn = transaction == null ? stream.getLastReceiveLSN().asLong() : transaction.finalLsn();
        handoff.add(new Change(new ChangeEvent(table.schema(), table.topic(), op, key, before, after, lsn, xid,
                commitMs, unavailableColumns, table.relationOid())));
    }

    /** Task thread: stops the reader, drops what it read ahead and closes the connection. */
    @Override
    public void close() {
        closed = true;
        handoff.close();
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("The replication reader of slot {} did not stop within {} ms; closing its connection under it",
                    slotName, CLOSE_WAIT_MS);
            close(connection);
        }
    }

    private void closeStream() {
        try {
            stream.close();
        } catch (SQLException e) {
            log.warn("Closing the replication stream failed: {}", e.getMessage());
        }
        close(connection);
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("Closing the replication connection failed: {}", e.getMessage());
        }
    }
}
