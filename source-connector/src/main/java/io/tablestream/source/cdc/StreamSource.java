package io.tablestream.source.cdc;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.RetryPolicy;
import io.tablestream.source.cdc.PgOutputMessage.Begin;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.TransactionContext;
import org.jdbi.v3.core.JdbiException;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Streams the slot's changes: a {@link StreamReadAhead} thread reads and decodes them, this (the task thread) turns
 * them into records. The last change seen is held back until the next message shows whether it ends its
 * database transaction: only the record ending a transaction carries that transaction's LSN as offset (earlier
 * ones carry the previous transaction's), so the slot never confirms a transaction Kafka has only partly, and with
 * {@code transaction.boundary=connector} the Kafka transaction commits exactly at that record.
 */
final class StreamSource implements ChangeSource {

    private static final Logger log = LoggerFactory.getLogger(StreamSource.class);
    /** A poll that finds nothing returns after this long, so the task still confirms and heartbeats. */
    private static final long IDLE_WAIT_MS = 500;
    /**
     * How long a poll that holds nothing waits for the read-ahead thread at a time before it checks whether its
     * {@value #IDLE_WAIT_MS} ms are up; the wait ends as soon as changes arrive, so it adds no latency.
     */
    private static final long IDLE_LOOK_MS = 50;

    private final CdcSourceTask.Settings settings;
    private final ReplicationConnector connector;
    private final String slotName;
    private final String publicationName;
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
    private Begin transaction;
    private ChangeEvent held;
    private long flushedLsn;
    // What the last read-ahead thread had confirmed to the server, while no thread runs.
    private long confirmedLsn;
    // WAL the server had sent when the read-ahead thread last found nothing pending and no transaction open.
    private long receivedLsn;
    private long lastHeartbeatMs = System.currentTimeMillis();
    private Map<String, Object> offset;
    private long offsetLsn;
    private long offsetTxid;
    private int offsetPartChanges;

    // null while the connection is lost, until the next attempt (at retryAtMs) succeeds
    private Connection connection;
    private PGReplicationStream stream;
    private StreamReadAhead readAhead;
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
        this.settings = settings;
        this.connector = connector;
        this.retry = retry;
        this.slotName = settings.cdc().slotName();
        this.publicationName = settings.cdc().publicationName();
        this.partition = settings.partition();
        this.format = settings.format();
        this.transactions = settings.transactions();
        this.acks = settings.acks();
        this.heartbeatIntervalMs = settings.cdc().heartbeatIntervalMs();
        this.batchMaxWaitMs = settings.cdc().batchMaxWaitMs();
        this.lastCompletedLsn = start.asLong();
        this.flushedLsn = start.asLong(); // the slot never streams from before its confirmed position
        this.confirmedLsn = flushedLsn;
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
        readAhead = new StreamReadAhead(stream, settings, confirmedLsn);
        readAhead.confirm(flushedLsn); // asked for, but maybe not sent before a lost connection
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
        StreamReadAhead.Item item = readAhead.next(0);
        while (true) {
            if (item != null) {
                handle(item, out);
            }
            if (batch.complete(out.size(), item != null)) {
                break;
            }
            // Holding nothing, wait for the read-ahead thread (a chunk ends the wait at once); else just look.
            item = readAhead.next(item == null && out.isEmpty() ? IDLE_LOOK_MS : 0);
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

    private void handle(StreamReadAhead.Item item, List<SourceRecord> out) throws SQLException {
        if (item instanceof StreamReadAhead.Change change) {
            hold(change.event(), out);
        } else if (item instanceof StreamReadAhead.Started started) {
            Begin begin = started.begin();
            transaction = begin;
            changesInTransaction = 0;
            if (begin.xid() != emittedTxid) {
                emittedInTransaction = 0;
            }
        } else if (item instanceof StreamReadAhead.Ended ended) {
            lastCompletedLsn = ended.commit().endLsn();
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
        } else if (item instanceof StreamReadAhead.CaughtUp caughtUp) {
            receivedLsn = caughtUp.receivedLsn();
        } else if (item instanceof StreamReadAhead.Failed failed) {
            if (failed.error() instanceof SQLException e) {
                throw e;
            }
            throw (RuntimeException) failed.error();
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
                || offsetPartChanges != partChanges) {
            // Shared by the records of a position (all of a large transaction's but its last): Connect only reads it.
            offset = Collections.unmodifiableMap(
                    new CdcOffset(lastCompletedLsn, lastCompletedTxid, true, partTxid, partChanges).toMap());
            offsetLsn = lastCompletedLsn;
            offsetTxid = lastCompletedTxid;
            offsetPartChanges = partChanges;
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
        if (lsn > flushedLsn) {
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
        if (transaction == null && held == null && acks.allAcknowledged() && receivedLsn > flushedLsn) {
            confirm(receivedLsn);
        }
    }

    /** The LSN last confirmed to the slot (its confirmed_flush_lsn, once the server has the status update). */
    long confirmedLsn() {
        return readAhead == null ? confirmedLsn : readAhead.confirmedLsn();
    }

    /** The read-ahead thread sends it to the server before it reads on. */
    private void confirm(long lsn) {
        readAhead.confirm(lsn);
        flushedLsn = lsn;
    }

    /**
     * Stops the read-ahead thread before closing the connection it reads (one stuck in a read ends when the
     * connection closes under it), so no thread outlives the task.
     */
    @Override
    public void close() {
        boolean stopped = true;
        if (readAhead != null) {
            stopped = readAhead.stop();
            confirmedLsn = readAhead.confirmedLsn();
        }
        if (stream != null && stopped) {
            try {
                stream.close();
            } catch (SQLException e) {
                log.warn("Closing the replication stream failed: {}", e.getMessage());
            }
        }
        stream = null;
        closeConnection();
        if (readAhead != null && !stopped && !readAhead.awaitEnd()) {
            log.warn("The read-ahead thread of slot {} did not end within its wait after the connection closed",
                    slotName);
        }
        readAhead = null;
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
