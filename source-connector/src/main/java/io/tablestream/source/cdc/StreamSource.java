package io.tablestream.source.cdc;

import io.tablestream.jdbc.RetryPolicy;
import io.tablestream.source.cdc.WalReader.Began;
import io.tablestream.source.cdc.WalReader.Change;
import io.tablestream.source.cdc.WalReader.Committed;
import io.tablestream.source.cdc.WalReader.Failed;
import io.tablestream.source.cdc.WalReader.Passed;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.TransactionContext;
import org.jdbi.v3.core.JdbiException;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Streams the slot's changes. The last change seen is held back until the next message shows whether it ends its
 * database transaction: only the record ending a transaction carries that transaction's LSN as offset (earlier
 * ones carry the previous transaction's), so the slot never confirms a transaction Kafka has only partly, and with
 * {@code transaction.boundary=connector} the Kafka transaction commits exactly at that record. A {@link WalReader}
 * reads, decodes and converts the changes ahead on its own thread; this class, on the task thread, turns them into
 * records.
 */
final class StreamSource implements ChangeSource {

    private static final Logger log = LoggerFactory.getLogger(StreamSource.class);
    /** A poll that finds nothing returns after this long, so the task still confirms and heartbeats. */
    private static final long IDLE_WAIT_MS = 500;
    /**
     * How long an idle poll waits for the reader at a time before it looks again whether it must return (a chunk
     * of the incremental snapshot may be read); an item arriving ends the wait at once.
     */
    private static final long TAKE_WAIT_MS = 2;

    private final CdcSourceTask.Settings settings;
    private final WalReader.ReplicationConnector connector;
    private final String slotName;
    private final RetryPolicy retry;
    private final Map<String, String> partition;
    private final RecordFormat format;
    private final TransactionContext transactions; // null unless transaction.boundary=connector
    private final AckTracker acks;
    private final long heartbeatIntervalMs;
    private final long batchMaxWaitMs;
    private final long kafkaTransactionBudgetMs;

    private long lastCompletedLsn;
    private long lastCompletedTxid;
    private boolean inTransaction;
    private long transactionXid;
    private ChangeEvent held;
    // Between transactions, every transaction committed before this LSN has been handed out (the reader says so).
    private long passedLsn;
    // Asked of the reader, and confirmed by it to the slot
    private long confirmRequested;
    private long confirmedLsn;
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
    private WalReader reader;
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

    StreamSource(CdcSourceTask.Settings settings, WalReader.ReplicationConnector connector, RetryPolicy retry,
                 LogSequenceNumber start, CdcOffset offset) throws SQLException {
        this.settings = settings;
        this.connector = connector;
        this.retry = retry;
        this.slotName = settings.cdc().slotName();
        this.partition = settings.partition();
        this.format = settings.format();
        this.transactions = settings.transactions();
        this.acks = settings.acks();
        this.heartbeatIntervalMs = settings.cdc().heartbeatIntervalMs();
        this.batchMaxWaitMs = settings.cdc().batchMaxWaitMs();
        this.lastCompletedLsn = start.asLong();
        this.confirmedLsn = start.asLong(); // the slot never streams from before its confirmed position
        this.confirmRequested = confirmedLsn;
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
        reader = WalReader.start(settings, connector, start, confirmedLsn);
        reader.confirm(confirmRequested); // asked of a reader lost since
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
        if (reader == null && !reconnect()) {
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
            // Holding records, it only takes what is there: nothing waiting ends the batch.
            WalReader.Item item = reader.next(out.isEmpty() ? TAKE_WAIT_MS : 0);
            if (item != null) {
                handle(item, out);
            }
            if (batch.complete(out.size(), item != null) || passed(returnOncePassed) || returnWhen.getAsBoolean()) {
                break;
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
        inTransaction = false;
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

    private void handle(WalReader.Item item, List<SourceRecord> out) throws SQLException {
        if (item instanceof Change change) {
            hold(change.event(), out);
        } else if (item instanceof Began began) {
            inTransaction = true;
            transactionXid = began.xid();
            changesInTransaction = 0;
            if (began.xid() != emittedTxid) {
                emittedInTransaction = 0;
            }
        } else if (item instanceof Committed committed) {
            lastCompletedLsn = committed.endLsn();
            lastCompletedTxid = inTransaction ? transactionXid : lastCompletedTxid;
            emittedInTransaction = 0;
            partTxid = 0;
            partChanges = 0;
            if (held != null) {
                SourceRecord last = emit(held, out);
                held = null;
                commitKafkaTransaction(last);
            }
            inTransaction = false;
        } else if (item instanceof Passed passed) {
            passedLsn = passed.lsn();
        } else if (item instanceof Failed failed) {
            if (failed.cause() instanceof SQLException e) {
                throw e;
            }
            throw (RuntimeException) failed.cause(); // JdbiException: the connection is lost; else the task fails
        }
    }

    private void hold(ChangeEvent event, List<SourceRecord> out) {
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
    private void confirmAcknowledged() {
        long lsn = acks.flushableLsn();
        if (lsn > confirmRequested) {
            confirm(lsn);
        }
    }

    /**
     * With every record acknowledged and no transaction open, all WAL the server has sent so far is done with, even
     * where it holds only other tables' or databases' changes: confirm it, or the slot would hold it back.
     */
    private void heartbeat() {
        long now = System.currentTimeMillis();
        if (heartbeatIntervalMs <= 0 || now - lastHeartbeatMs < heartbeatIntervalMs) {
            return;
        }
        lastHeartbeatMs = now;
        if (betweenTransactions() && acks.allAcknowledged() && passedLsn > confirmRequested) {
            confirm(passedLsn);
        }
    }

    /**
     * Every database transaction committed before this LSN has been handed out by {@link #poll}: the end of the last
     * one, or, between transactions, the position the server says it has decoded up to (its keepalives carry it).
     */
    long position() {
        return betweenTransactions() ? Math.max(lastCompletedLsn, passedLsn) : lastCompletedLsn;
    }

    /** Whether the records handed out so far end a database transaction (none is partly handed out). */
    boolean betweenTransactions() {
        return !inTransaction && held == null;
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
        if (reader != null) {
            confirmedLsn = Math.max(confirmedLsn, reader.confirmed());
        }
        return confirmedLsn;
    }

    /** The reader sends the confirmation to the slot: only its thread touches the replication stream. */
    private void confirm(long lsn) {
        confirmRequested = lsn;
        reader.confirm(lsn);
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
            confirmedLsn(); // after the reader stopped: it may have sent a confirmation meanwhile
            reader = null;
        }
    }
}
