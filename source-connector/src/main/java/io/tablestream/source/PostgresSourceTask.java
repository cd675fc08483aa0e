package io.tablestream.source;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.SqlErrors;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.Version;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Polls its share of the tables (or the custom query), the most overdue first, one batch per {@link #poll()}, over
 * one connection it keeps open and re-opens after a transient failure.
 */
public class PostgresSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(PostgresSourceTask.class);

    private static final long MAX_IDLE_WAIT_MS = 500;
    /** SQLState of "relation does not exist": the table was dropped while we poll it. */
    private static final String UNDEFINED_TABLE = "42P01";

    private final CountDownLatch stopping = new CountDownLatch(1);
    private PostgresSourceConfig config;
    private Jdbi jdbi;
    private Handle handle;
    private List<Querier> queriers;
    private SourceTaskMetrics metrics;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new PostgresSourceConfig(props);
        jdbi = ConnectionConfig.jdbi(config);
        metrics = new SourceTaskMetrics(context == null ? null : context.pluginMetrics());
        PgTypeCatalog catalog = PgTypeCatalog.of(config.typeOptions());
        queriers = new ArrayList<>();
        Mode mode = config.mode();
        if (mode == Mode.QUERY) {
            queriers.add(withConnection(h -> BulkQuerier.forQuery(jdbi, h, config, catalog)));
            log.info("Running the custom query every {} ms into topic {}", config.pollIntervalMs(), config.queryTopic());
            return;
        }
        if (mode.incremental()) {
            withConnection(h -> {
                OpenTransactions.warnIfBlind(h);
                return null;
            });
        }
        if (config.pollsQuery()) {
            String query = BulkQuerier.withoutTrailingSemicolon(config.getString(PostgresSourceConfig.QUERY_CONFIG));
            TableSchema schema = withConnection(h -> BulkQuerier.querySchema(h, query, catalog, config.queryTopic()));
            TableOffset offset = TableOffset.fromMap(context.offsetStorageReader()
                    .offset(Map.of(BulkQuerier.QUERY_PARTITION_KEY, config.queryTopic())));
            TableQuerier querier = TableQuerier.forQuery(schema, config, offset, query);
            queriers.add(querier);
            log.info("Polling the custom query in mode {} into topic {} from offset {}", mode.configValue(),
                    config.queryTopic(), querier.offset().toMap());
            return;
        }
        for (TableId table : config.taskTables()) {
            TableSchema schema = withConnection(h -> TableSchema.read(h, table, catalog));
            if (mode == Mode.BULK) {
                queriers.add(BulkQuerier.forTable(jdbi, schema, config));
                log.info("Reading all of {} every {} ms", table, config.pollIntervalMs());
            } else {
                TableOffset offset = TableOffset.fromMap(context.offsetStorageReader().offset(TableOffset.partition(table)));
                TableQuerier querier = new TableQuerier(schema, config, offset);
                queriers.add(querier);
                if (mode.usesTimestamp()) {
                    metrics.addTableLag(table, (Measurable) (metricConfig, nowMs) -> querier.newestRowAgeMs(nowMs));
                }
                log.info("Polling {} in mode {} from offset {}", table, mode.configValue(), querier.offset().toMap());
            }
        }
    }

    /**
     * Polls the due sources, most overdue first, and returns the first non-empty batch. With nothing to return it
     * waits for the next due source, at most {@link #MAX_IDLE_WAIT_MS}, and returns null: the worker checks for a
     * stop request only between calls (it calls {@link #stop()} after the last one).
     */
    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        long now = System.currentTimeMillis();
        List<Querier> due = queriers.stream().filter(q -> q.nextPollAtMs() <= now)
                .sorted(Comparator.comparingLong(Querier::nextPollAtMs)).toList();
        for (Querier querier : due) {
            List<SourceRecord> records = pollOne(querier, now);
            if (!records.isEmpty()) {
                return records;
            }
        }
        long next = queriers.stream().mapToLong(Querier::nextPollAtMs).min().orElse(now + config.pollIntervalMs());
        long wait = Math.min(MAX_IDLE_WAIT_MS, next - System.currentTimeMillis());
        if (wait > 0) {
            stopping.await(wait, TimeUnit.MILLISECONDS);
        }
        return null;
    }

    private List<SourceRecord> pollOne(Querier querier, long now) {
        try {
            long start = System.nanoTime();
            List<SourceRecord> records = querier.poll(connection(), config.batchMaxRows());
            metrics.polled(records.size(), (System.nanoTime() - start) / 1_000_000, System.currentTimeMillis());
            if (!records.isEmpty()) {
                log.debug("Read {} rows from {}", records.size(), querier.name());
            }
            // More rows waiting: come back at once, after the other overdue sources.
            querier.scheduleNextPoll(now + querier.nextPollDelayMs(config.pollIntervalMs()));
            return records;
        } catch (RuntimeException e) {
            if (SqlErrors.isAuthenticationFailure(e)) {
                throw new ConnectException("PostgreSQL refused the credentials in connection.user/connection.password;"
                        + " fix them and restart the connector: " + e.getMessage(), e);
            }
            if (SqlErrors.isTransient(e)) {
                closeConnection();
                querier.scheduleNextPoll(now + config.getLong(ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG));
                log.warn("Transient database error polling {}; retrying after connection.backoff.ms: {}",
                        querier.name(), e.getMessage());
                throw new RetriableException(e);
            }
            if (SqlErrors.sqlCause(e).map(s -> UNDEFINED_TABLE.equals(s.getSQLState())).orElse(false)
                    && querier instanceof TableQuerier && !config.pollsQuery()) {
                log.warn("{} no longer exists; it is skipped until the connector re-reads the catalog", querier.name());
                queriers.remove(querier);
                metrics.removeTableLag(((TableQuerier) querier).table());
                querier.close();
                closeConnection();
                return List.of();
            }
            throw new ConnectException("Polling " + querier.name() + " failed: " + e.getMessage(), e);
        }
    }

    /** The task's connection, opened (with connection.attempts tries) when there is none. */
    private Handle connection() {
        if (handle == null) {
            handle = withRetries(jdbi::open);
        }
        return handle;
    }

    private void closeConnection() {
        if (handle != null) {
            try {
                handle.close();
            } catch (RuntimeException e) {
                log.debug("Closing a broken connection failed", e);
            }
            handle = null;
        }
    }

    private <T> T withConnection(Function<Handle, T> action) {
        try {
            return action.apply(connection());
        } catch (RuntimeException e) {
            if (SqlErrors.isTransient(e)) {
                closeConnection();
                return action.apply(connection());
            }
            throw e;
        }
    }

    /** Opens a connection with connection.attempts tries, connection.backoff.ms apart. */
    private <T> T withRetries(java.util.function.Supplier<T> action) {
        int attempts = config.getInt(ConnectionConfig.CONNECTION_ATTEMPTS_CONFIG);
        long backoff = config.getLong(ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG);
        for (int attempt = 1; ; attempt++) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                if (SqlErrors.isAuthenticationFailure(e)) {
                    throw new ConnectException("PostgreSQL refused the credentials in connection.user/connection.password;"
                            + " fix them and restart the connector: " + e.getMessage(), e);
                }
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
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        metrics.produced();
    }

    /** The worker calls this after the last {@link #poll()} has returned, so the connections are ours to close. */
    @Override
    public void stop() {
        stopping.countDown();
        if (queriers != null) {
            queriers.forEach(Querier::close);
        }
        closeConnection();
        if (metrics != null) {
            metrics.close();
        }
    }
}
