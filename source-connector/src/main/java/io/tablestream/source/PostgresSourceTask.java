package io.tablestream.source;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.SqlErrors;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.Version;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Polls its share of the tables, the most overdue table first, one table's batch per {@link #poll()}. */
public class PostgresSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(PostgresSourceTask.class);

    private static final long MAX_IDLE_WAIT_MS = 500;

    private final CountDownLatch stopping = new CountDownLatch(1);
    private PostgresSourceConfig config;
    private Jdbi jdbi;
    private List<TableQuerier> queriers;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(java.util.Map<String, String> props) {
        config = new PostgresSourceConfig(props);
        jdbi = ConnectionConfig.jdbi(config);
        queriers = new ArrayList<>();
        for (TableId table : config.taskTables()) {
            TableSchema schema = withRetries(() -> jdbi.withHandle(h -> TableSchema.read(h, table)));
            TableOffset offset = TableOffset.fromMap(context.offsetStorageReader().offset(TableOffset.partition(table)));
            queriers.add(new TableQuerier(schema, config, offset));
            log.info("Polling {} in mode {} from offset {}", table, config.mode().configValue(), offset.toMap());
        }
    }

    /**
     * Polls the due tables, most overdue first, and returns the first non-empty batch. With nothing to return it
     * waits for the next due table, at most {@link #MAX_IDLE_WAIT_MS}, and returns null: the worker checks for a
     * stop request only between calls (it calls {@link #stop()} after the last one).
     */
    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        long now = System.currentTimeMillis();
        List<TableQuerier> due = queriers.stream().filter(q -> q.nextPollAtMs() <= now)
                .sorted(Comparator.comparingLong(TableQuerier::nextPollAtMs)).toList();
        for (TableQuerier querier : due) {
            List<SourceRecord> records = pollOne(querier, now);
            if (!records.isEmpty()) {
                return records;
            }
        }
        long next = queriers.stream().mapToLong(TableQuerier::nextPollAtMs).min().orElse(now + config.pollIntervalMs());
        long wait = Math.min(MAX_IDLE_WAIT_MS, next - System.currentTimeMillis());
        if (wait > 0) {
            stopping.await(wait, TimeUnit.MILLISECONDS);
        }
        return null;
    }

    private List<SourceRecord> pollOne(TableQuerier querier, long now) {
        int maxRows = config.batchMaxRows();
        try {
            List<SourceRecord> records = jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ,
                    h -> querier.poll(h, maxRows));
            // A full batch means more rows are waiting: come back at once, after the other overdue tables.
            querier.scheduleNextPoll(records.size() >= maxRows ? now : now + config.pollIntervalMs());
            return records;
        } catch (RuntimeException e) {
            if (SqlErrors.isAuthenticationFailure(e)) {
                throw new ConnectException("PostgreSQL refused the credentials in connection.user/connection.password: "
                        + e.getMessage(), e);
            }
            if (SqlErrors.isTransient(e)) {
                querier.scheduleNextPoll(now + config.getLong(ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG));
                log.warn("Transient database error polling {}; retrying after connection.backoff.ms: {}",
                        querier.table(), e.getMessage());
                throw new RetriableException(e);
            }
            throw new ConnectException("Polling " + querier.table() + " failed: " + e.getMessage(), e);
        }
    }

    /** Opens the first connection with connection.attempts tries, connection.backoff.ms apart. */
    private <T> T withRetries(java.util.function.Supplier<T> action) {
        int attempts = config.getInt(ConnectionConfig.CONNECTION_ATTEMPTS_CONFIG);
        long backoff = config.getLong(ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG);
        for (int attempt = 1; ; attempt++) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                if (attempt >= attempts || !SqlErrors.isTransient(e)) {
                    throw e;
                }
                log.warn("Connecting to the database failed (attempt {} of {}), retrying in {} ms: {}",
                        attempt, attempts, backoff, e.getMessage());
                try {
                    if (stopping.await(backoff, TimeUnit.MILLISECONDS)) {
                        throw new ConnectException("Task stopped while connecting", e);
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ConnectException("Interrupted while connecting", ie);
                }
            }
        }
    }

    @Override
    public void stop() {
        stopping.countDown();
    }
}
