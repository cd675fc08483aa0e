package io.tablestream.source.cdc;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.RetryPolicy;
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
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.TransactionContext;
import org.jdbi.v3.core.Jdbi;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Streams the slot's changes. The last change seen is held back until the next message shows whether it ends its
 * database transaction: only the record ending a transaction carries that transaction's LSN as offset (earlier
 * ones carry the previous transaction's), so the slot never confirms a transaction Kafka has only partly, and with
 * {@code transaction.boundary=connector} the Kafka transaction commits exactly at that record.
 */
final class StreamSource implements ChangeSource {

    private static final Logger log = LoggerFactory.getLogger(StreamSource.class);
    /** PostgreSQL timestamps count from 2000-01-01. */
    private static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    /** A poll that finds nothing returns after this long, so the task still confirms and heartbeats. */
    private static final long IDLE_WAIT_MS = 500;
    /**
     * How long an idle poll sleeps between looks at the stream: short, as it adds up to this much to a change's
     * latency, and a look ({@code readPending}) is only a check of the socket's buffer.
     */
    private static final long IDLE_SLEEP_MS = 2;

    private final Jdbi jdbi;
    private final PgTypeCatalog types;
    private final ReplicationConnector connector;
    private final String slotName;
    private final String publicationName;
    private final RetryPolicy retry;
    private final Set<TableId> captured;
    private final Function<TableId, String> topics;
    private final Map<String, String> partition;
    private final RecordFormat format;
    private final TransactionContext transactions; // null unless transaction.boundary=connector
    private final AckTracker acks;
    private final long heartbeatIntervalMs;
    private final long batchMaxWaitMs;
    private final Set<Character> skippedOperations;
    private final String unavailablePlaceholder;
    private final Map<Integer, CapturedTable> relations = new HashMap<>();
    private final long kafkaTransactionBudgetMs;

    private long lastCompletedLsn;
    private long lastCompletedTxid;
    private Begin transaction;
    private ChangeEvent held;
    private long flushedLsn;
    private long lastHeartbeatMs = System.currentTimeMillis();
    private Map<String, Object> offset;
    private long offsetLsn;
    private long offsetTxid;
    private int offsetPartChanges;
    // The signalled snapshots still to do, carried in every offset (null: none); offsetSnapshots: the cached one's.
    private String snapshots;
    private String offsetSnapshots;
    // A poll returns as soon as the stream has handed out every transaction committed before this LSN (0: never).
    private long returnOncePassed;
    // A poll returns as soon as this says so (the snapshot's chunks are read and wait to be judged).
    private java.util.function.BooleanSupplier returnWhen = () -> false;

    // null while the connection is lost, until the next attempt (at retryAtMs) succeeds
    private Connection connection;
    private PGReplicationStream stream;
    private int failures;
    private long retryAtMs;
    // A lost stream resumes at lastCompletedLsn, so the transaction in progress is sent again from its start: its
    // changes already emitted (emittedInTransaction, of transaction emittedTxid) are skipped then.
    private int changesInTransaction;
    private int emittedInTransaction;
    private long emittedTxid;
    // transaction.boundary=connector: when the poll that emitted the open Kafka transaction's first record started
    // (-1: none open), and the part of a database transaction too long for one Kafka transaction already committed.
    private long pollStartedMs;
    private long kafkaTransactionStartedMs = -1;
    private long partTxid;
    private int partChanges;

    /** Opens a replication (walsender) connection. */
    @FunctionalInterface
    interface ReplicationConnector {
        Connection open() throws SQLException;
    }

    StreamSource(CdcSourceTask.Settings settings, ReplicationConnector connector, RetryPolicy retry,
                 LogSequenceNumber start, CdcOffset offset) throws SQLException {
        this.jdbi = settings.jdbi();
        this.types = settings.types();
        this.connector = connector;
        this.retry = retry;
        this.slotName = settings.cdc().slotName();
        this.publicationName = settings.cdc().publicationName();
        this.captured = Set.copyOf(settings.tables());
        this.topics = settings.topics();
        this.partition = settings.partition();
        this.format = settings.format();
        this.transactions = settings.transactions();
        this.acks = settings.acks();
        this.heartbeatIntervalMs = settings.cdc().heartbeatIntervalMs();
        this.batchMaxWaitMs = settings.cdc().batchMaxWaitMs();
        this.skippedOperations = settings.cdc().skippedOperations();
        this.unavailablePlaceholder = settings.cdc().unavailableValuePlaceholder();
        this.lastCompletedLsn = start.asLong();
        this.flushedLsn = start.asLong(); // the slot never streams from before its confirmed position
        this.lastCompletedTxid = offset == null ? 0 : offset.txid();
        this.kafkaTransactionBudgetMs = settings.kafkaTransactionBudgetMs();
        if (offset != null && offset.partChanges() > 0) {
            // The transaction after the offset's LSN comes first again: the changes of it already in Kafka are skipped.
            partTxid = offset.partTxid();
            partChanges = offset.partChanges();
            emittedTxid = partTxid;
            emittedInTransaction = partChanges;
            log.info("Resuming transaction {} after its first {} changes, which are in Kafka", partTxid, partChanges);
        }
        startStream(start);
    }

    private void startStream(LogSequenceNumber start) throws SQLException {
        connection = connector.open();
        try {
            stream = connection.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName(slotName)
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", Identifiers.quote(publicationName))
                    .withStartPosition(start)
                    .withStatusInterval(10, TimeUnit.SECONDS)
                    .start();
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            throw e;
        }
        log.info("Streaming slot {} from LSN {}", slotName, start.asString());
    }

    /**
     * Reads what is pending. A lost connection (a transient failure, see connection.attempts) does not fail the
     * task: the records read so far are returned, and later polls reconnect, connection.backoff.ms apart, resuming
     * after the last transaction whose records all went out. No poll waits longer than {@value #IDLE_WAIT_MS} ms
     * for that, so the task still stops promptly.
     */
    @Override
    public List<SourceRecord> poll(int maxRecords) throws SQLException, InterruptedException {
        List<SourceRecord> out = new ArrayList<>();
        pollStartedMs = System.currentTimeMillis();
        if (stream == null && !reconnect()) {
            return out;
        }
        try {
            confirmAcknowledged();
            read(maxRecords, out);
        } catch (SQLException | JdbiException e) {
            streamLost(e);
        }
        return out;
    }

    private void read(int maxRecords, List<SourceRecord> out) throws SQLException, InterruptedException {
        PollBatch batch = new PollBatch(maxRecords, batchMaxWaitMs, IDLE_WAIT_MS, System::nanoTime);
        while (true) {
            ByteBuffer message = stream.readPending();
            if (message != null) {
                handle(PgOutputDecoder.decode(message), out);
            }
            if (batch.complete(out.size(), message != null) || passed(returnOncePassed)
                    || returnWhen.getAsBoolean()) {
                break;
            }
            if (message == null) {
                TimeUnit.MILLISECONDS.sleep(IDLE_SLEEP_MS);
            }
        }
        if (out.isEmpty()) {
            heartbeat();
        }
    }

    /** After the stream failed: reconnect later, or fail when the error is permanent or the attempts are used up. */
    private void streamLost(Exception e) throws SQLException {
        close();
        // Not emitted yet: it comes again with the rest of its transaction.
        held = null;
        transaction = null;
        relations.clear(); // a new session describes each table again
        scheduleReconnect(e);
    }

    private void scheduleReconnect(Exception e) throws SQLException {
        failures++;
        if (!retry.mayRetry(failures, e)) {
            if (e instanceof SQLException sql) {
                throw sql;
            }
            throw (JdbiException) e;
        }
        retryAtMs = System.currentTimeMillis() + retry.backoffMs();
        if (failures == 1) {
            log.warn("Replication connection of slot {} lost ({}); resuming at LSN {}: up to {} attempts, {} ms apart",
                    slotName, e.getMessage(), ChangeEvent.lsnText(lastCompletedLsn), retry.attempts(),
                    retry.backoffMs());
        } else {
            log.info("Reconnecting slot {} failed (attempt {} of {}): {}", slotName, failures - 1, retry.attempts(),
                    e.getMessage());
        }
    }

    /** Whether the stream runs again; waits at most {@value #IDLE_WAIT_MS} ms for the next attempt's time. */
    private boolean reconnect() throws SQLException, InterruptedException {
        long wait = retryAtMs - System.currentTimeMillis();
        if (wait > 0) {
            TimeUnit.MILLISECONDS.sleep(Math.min(wait, IDLE_WAIT_MS));
            return false;
        }
        try {
            startStream(LogSequenceNumber.valueOf(lastCompletedLsn));
        } catch (SQLException e) {
            scheduleReconnect(e);
            return false;
        }
        log.info("Replication connection of slot {} back after {} failed attempt(s)", slotName, failures);
        failures = 0;
        return true;
    }

    private void handle(PgOutputMessage message, List<SourceRecord> out) {
        if (message instanceof Begin begin) {
            transaction = begin;
            changesInTransaction = 0;
            if (begin.xid() != emittedTxid) {
                emittedInTransaction = 0;
            }
        } else if (message instanceof Commit commit) {
            lastCompletedLsn = commit.endLsn();
            lastCompletedTxid = transaction == null ? lastCompletedTxid : transaction.xid();
            emittedInTransaction = 0;
            partTxid = 0;
            partChanges = 0;
            if (held != null) {
                SourceRecord last = emit(held, out);
                held = null;
                commitKafkaTransaction(last);
            }
            transaction = null;
        } else if (message instanceof Relation relation) {
            relation(relation);
        } else if (message instanceof Insert insert) {
            CapturedTable table = relations.get(insert.relationId());
            if (table != null) {
                hold(event(table, 'c', table.key(insert.newTuple()), null, table.row(insert.newTuple()), List.of()),
                        out);
            }
        } else if (message instanceof Update update) {
            CapturedTable table = relations.get(update.relationId());
            if (table != null) {
                update(table, update, out);
            }
        } else if (message instanceof Delete delete) {
            CapturedTable table = relations.get(delete.relationId());
            if (table != null) {
                Struct before = delete.oldIsKeyOnly() ? table.knownValues(delete.oldTuple())
                        : table.row(delete.oldTuple());
                hold(event(table, 'd', table.key(delete.oldTuple()), before, null, List.of()), out);
            }
        } else if (message instanceof Truncate truncate) {
            truncate.relationIds().stream().map(relations::get).filter(Objects::nonNull).forEach(t -> {
                if (skippedOperations.contains('t')) {
                    log.warn("Table {} was truncated; with {} containing t the truncate is not emitted, so its topic"
                            + " still holds the old rows", t.table(), CdcConfig.SKIPPED_OPERATIONS_CONFIG);
                }
                hold(event(t, 't', null, null, null, List.of()), out);
            });
        }
    }

    private void update(CapturedTable table, Update update, List<SourceRecord> out) {
        Struct key = table.key(update.newTuple());
        Struct before = null;
        if (update.oldTuple() != null) {
            Struct oldKey = table.key(update.oldTuple());
            if (oldKey != null && !oldKey.equals(key)) {
                // The primary key changed: the old key's row is gone, downstream must delete it.
                Struct oldRow = update.oldIsKeyOnly() ? table.knownValues(update.oldTuple())
                        : table.row(update.oldTuple());
                hold(event(table, 'd', oldKey, oldRow, null, List.of()), out);
            } else if (!update.oldIsKeyOnly()) {
                before = table.row(update.oldTuple());
            }
        }
        PgOutputMessage.TupleData oldRow = update.oldIsKeyOnly() ? null : update.oldTuple();
        List<String> unavailable = new ArrayList<>();
        Struct after = table.row(update.newTuple(), oldRow, unavailable);
        hold(event(table, 'u', key, before, after, unavailable), out);
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

    private void hold(ChangeEvent event, List<SourceRecord> out) {
        if (skippedOperations.contains(event.op())) {
            return;
        }
        if (changesInTransaction++ < emittedInTransaction) {
            return; // emitted before the stream was lost and sent again on resuming
        }
        if (held != null) {
            emittedInTransaction++;
            emittedTxid = event.txid();
            boolean split = kafkaTransactionTooLong();
            if (split) {
                splitWarning(event.txid());
                partTxid = event.txid();
                partChanges = emittedInTransaction;
            }
            SourceRecord last = emit(held, out);
            if (split) {
                commitKafkaTransaction(last);
            }
        }
        held = event;
    }

    /**
     * Whether the open Kafka transaction has run for half the producer's transaction.timeout.ms: past the timeout
     * the broker aborts it, the task fails, and a restart would send the same database transaction again, failing
     * the same way for ever.
     */
    private boolean kafkaTransactionTooLong() {
        return transactions != null && kafkaTransactionStartedMs >= 0
                && System.currentTimeMillis() - kafkaTransactionStartedMs >= kafkaTransactionBudgetMs;
    }

    private void splitWarning(long txid) {
        if (partTxid != txid) {
            log.warn("Database transaction {} has been going into one Kafka transaction for {} ms, half of the"
                    + " producer's transaction.timeout.ms: committing it in several Kafka transactions, so"
                    + " read_committed consumers may see it partly applied (it is not atomic in Kafka). Raise {}"
                    + " (at most the broker's transaction.max.timeout.ms) to keep such transactions whole", txid,
                    System.currentTimeMillis() - kafkaTransactionStartedMs, CdcSourceTask.TRANSACTION_TIMEOUT_OVERRIDE);
        }
    }

    private void commitKafkaTransaction(SourceRecord last) {
        if (transactions != null) {
            transactions.commitTransaction(last);
            kafkaTransactionStartedMs = -1;
        }
    }

    /**
     * Emits with the offset of the last complete transaction (at a commit that is the one just ended) and the part
     * of the next one already committed to Kafka, if it was split.
     */
    private SourceRecord emit(ChangeEvent event, List<SourceRecord> out) {
        if (offset == null || offsetLsn != lastCompletedLsn || offsetTxid != lastCompletedTxid
                || offsetPartChanges != partChanges || !Objects.equals(offsetSnapshots, snapshots)) {
            // Shared by the records of a position (all of a large transaction's but its last): Connect only reads it.
            offset = Collections.unmodifiableMap(new CdcOffset(lastCompletedLsn, lastCompletedTxid, true, partTxid,
                    partChanges).withSnapshots(snapshots).toMap());
            offsetLsn = lastCompletedLsn;
            offsetTxid = lastCompletedTxid;
            offsetPartChanges = partChanges;
            offsetSnapshots = snapshots;
        }
        if (transactions != null && kafkaTransactionStartedMs < 0) {
            kafkaTransactionStartedMs = pollStartedMs;
        }
        List<SourceRecord> records = event.toRecords(partition, offset, format);
        for (SourceRecord record : records) {
            acks.sent(record, lastCompletedLsn);
        }
        out.addAll(records);
        return records.get(records.size() - 1);
    }

    /** Lets the slot release WAL up to what Kafka has acknowledged. */
    private void confirmAcknowledged() throws SQLException {
        long lsn = acks.flushableLsn();
        if (lsn > flushedLsn) {
            confirm(lsn);
        }
    }

    /**
     * With every record acknowledged and no transaction open, all WAL the server has sent so far is done with, even
     * where it holds only other tables' or databases' changes: confirm it, or the slot would hold it back.
     */
    private void heartbeat() throws SQLException {
        long now = System.currentTimeMillis();
        if (heartbeatIntervalMs <= 0 || now - lastHeartbeatMs < heartbeatIntervalMs) {
            return;
        }
        lastHeartbeatMs = now;
        if (transaction == null && held == null && acks.allAcknowledged()) {
            long received = stream.getLastReceiveLSN().asLong();
            if (received > flushedLsn) {
                confirm(received);
            }
        }
    }

    /**
     * Every database transaction committed before this LSN has been handed out by {@link #poll}: the end of the last
     * one, or, between transactions, the position the server says it has decoded up to (its keepalives carry it).
     */
    long position() {
        if (stream == null || !betweenTransactions()) {
            return lastCompletedLsn;
        }
        return Math.max(lastCompletedLsn, stream.getLastReceiveLSN().asLong());
    }

    /** Whether the records handed out so far end a database transaction (none is partly handed out). */
    boolean betweenTransactions() {
        return transaction == null && held == null;
    }

    /** The signalled snapshots still to do, for the offsets of the records emitted from now on (null: none). */
    void snapshotsPending(String pending) {
        snapshots = pending;
    }

    /** Makes polls return as soon as {@link #position} reaches {@code lsn} between transactions (0: never). */
    void returnOncePassed(long lsn) {
        returnOncePassed = lsn;
    }

    /** Makes polls return as soon as {@code condition} holds, checked between messages. */
    void returnWhen(java.util.function.BooleanSupplier condition) {
        returnWhen = condition;
    }

    private boolean passed(long lsn) {
        return lsn > 0 && betweenTransactions() && position() >= lsn;
    }

    /** The LSN last confirmed to the slot (its confirmed_flush_lsn, once the server has the status update). */
    long confirmedLsn() {
        return flushedLsn;
    }

    private void confirm(long lsn) throws SQLException {
        LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
        stream.setFlushedLSN(position);
        stream.setAppliedLSN(position);
        stream.forceUpdateStatus();
        flushedLsn = lsn;
    }

    @Override
    public void close() {
        if (stream != null) {
            try {
                stream.close();
            } catch (SQLException e) {
                log.warn("Closing the replication stream failed: {}", e.getMessage());
            }
            stream = null;
        }
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.warn("Closing the replication connection failed: {}", e.getMessage());
            }
            connection = null;
        }
    }
}
