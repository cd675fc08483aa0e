package io.tablestream.source;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.ConnectionRetry;
import io.tablestream.jdbc.PositionalSqlParser;
import io.tablestream.jdbc.SqlErrors;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.Version;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.connect.errors.ConnectException;
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

/**
 * Polls its share of the tables (or the custom query), the most overdue first, one batch per {@link #poll()}, over
 * one connection it keeps open and re-opens after a transient failure.
 */
public class PostgresSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(PostgresSourceTask.class);

    private static final long MAX_IDLE_WAIT_MS = 500;
    /**
     * How long a poll waits for a lock another session holds on a table (only DDL, TRUNCATE or an explicit LOCK conflict
     * with a read): Kafka Connect can stop a task only between polls, so a poll must not wait for long.
     */
    static final long LOCK_WAIT_MS = 2_000;

    private final CountDownLatch stopping = new CountDownLatch(1);
    private PostgresSourceConfig config;
    private Jdbi jdbi;
    private ConnectionRetry retry;
    private Handle handle;
    private List<Querier> queriers; // null until the task's tables have been read
    private SourceTaskMetrics metrics;
    private DbTimeZoneCheck zoneCheck;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new PostgresSourceConfig(props);
        jdbi = ConnectionConfig.jdbi(config);
        retry = ConnectionRetry.from(config);
        zoneCheck = new DbTimeZoneCheck(config, true);
        metrics = new SourceTaskMetrics(context == null ? null : context.pluginMetrics());
        // The tables are read at the first poll, not here: a database that is down at start is then retried
        // between polls, where the worker can still stop the task.
    }

    /**
     * Polls the due sources, most overdue first, and returns the first non-empty batch. With nothing to return it
     * waits for the next due source, at most {@link #MAX_IDLE_WAIT_MS}, and returns null: the worker checks for a
     * stop request only between calls (it calls {@link #stop()} after the last one).
     */
    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        long now = System.currentTimeMillis();
        if (queriers == null && !openQueriers(now)) {
            idleUntil(retry.nextAttemptAtMs());
            return null;
        }
        List<Querier> due = queriers.stream().filter(q -> q.nextPollAtMs() <= now)
                .sorted(Comparator.comparingLong(Querier::nextPollAtMs)).toList();
        for (Querier querier : due) {
            List<SourceRecord> records = pollOne(querier, now);
            if (!records.isEmpty()) {
                return records;
            }
        }
        idleUntil(queriers.stream().mapToLong(Querier::nextPollAtMs).min().orElse(now + config.pollIntervalMs()));
        return null;
    }

    private void idleUntil(long atMs) throws InterruptedException {
        long wait = Math.min(MAX_IDLE_WAIT_MS, atMs - System.currentTimeMillis());
        if (wait > 0) {
            stopping.await(wait, TimeUnit.MILLISECONDS);
        }
    }

    /** Reads the schema of each of the task's tables (or prepares the query) once the database answers. */
    private boolean openQueriers(long now) {
        if (!retry.mayAttempt(now)) {
            return false;
        }
        PgTypeCatalog catalog = PgTypeCatalog.of(config.typeOptions());
        List<Querier> opened = new ArrayList<>();
        try {
            Mode mode = config.mode();
            if (mode.incremental()) {
                OpenTransactions.warnIfBlind(connection());
            }
            if (mode == Mode.QUERY) {
                opened.add(BulkQuerier.forQuery(jdbi, connection(), config, catalog));
                log.info("Running the custom query every {} ms into topic {}", config.pollIntervalMs(), config.queryTopic());
            } else if (config.pollsQuery()) {
                String query = PositionalSqlParser.withoutTrailingSemicolons(config.getString(PostgresSourceConfig.QUERY_CONFIG));
                TableSchema schema = BulkQuerier.querySchema(connection(), query, catalog, config.queryTopic());
                failOnZoneProblem(schema, "the query");
                TableOffset offset = TableOffset.fromMap(context.offsetStorageReader()
                        .offset(Map.of(BulkQuerier.QUERY_PARTITION_KEY, config.queryTopic())));
                TableQuerier querier = TableQuerier.forQuery(schema, config, offset, query);
                opened.add(querier);
                log.info("Polling the custom query in mode {} into topic {} from offset {}", mode.configValue(),
                        config.queryTopic(), querier.offset().toMap());
            } else {
                // The connector checks the selection too, but Connect starts tasks from their stored configs even
                // when the connector fails: a selection that clashes must not be read by its tasks either.
                TableNameClashes.refuse(config, config.tableSelector().select(connection()).keySet());
                for (TableId table : config.taskTables()) {
                    opened.add(openQuerier(mode, TableSchema.read(connection(), table, catalog)));
                }
            }
        } catch (RuntimeException e) {
            opened.forEach(Querier::close);
            connectionFailed(e, now, "reading the task's tables");
            return false;
        }
        queriers = opened;
        return true;
    }

    private Querier openQuerier(Mode mode, TableSchema schema) {
        TableId table = schema.table();
        if (mode == Mode.BULK) {
            log.info("Reading all of {} every {} ms", table, config.pollIntervalMs());
            return BulkQuerier.forTable(jdbi, schema, config);
        }
        failOnZoneProblem(schema, table.toString());
        TableOffset offset = TableOffset.fromMap(context.offsetStorageReader().offset(TableOffset.partition(table)));
        TableQuerier querier = new TableQuerier(schema, config, offset);
        if (mode.usesTimestamp()) {
            metrics.addTableLag(table, (Measurable) (metricConfig, nowMs) -> querier.newestRowAgeMs(nowMs));
        }
        log.info("Polling {} in mode {} from offset {}", table, mode.configValue(), querier.offset().toMap());
        return querier;
    }

    private void failOnZoneProblem(TableSchema schema, String what) {
        String problem = zoneCheck.problem(connection(), schema, what);
        if (problem != null) {
            throw new ConnectException(problem);
        }
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
            if (hasState(e, SqlErrors.LOCK_NOT_AVAILABLE)) {
                log.info("{} is locked by another session; polling it again in {} ms", querier.name(), config.pollIntervalMs());
                closeConnection(); // whatever transaction the poll had open is aborted
                querier.scheduleNextPoll(now + config.pollIntervalMs());
                return List.of();
            }
            if (SqlErrors.isAuthenticationFailure(e) || SqlErrors.isTransient(e)) {
                connectionFailed(e, now, "polling " + querier.name());
                querier.scheduleNextPoll(retry.nextAttemptAtMs());
                return List.of();
            }
            if (hasState(e, SqlErrors.UNDEFINED_TABLE) && querier instanceof TableQuerier && !config.pollsQuery()) {
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

    private static boolean hasState(RuntimeException e, String sqlState) {
        return SqlErrors.sqlCause(e).map(s -> sqlState.equals(s.getSQLState())).orElse(false);
    }

    /** Drops the connection and schedules the next attempt, or fails the task when {@link ConnectionRetry} says so. */
    private void connectionFailed(RuntimeException e, long now, String what) {
        closeConnection();
        long backoff = retry.failed(e, now);
        log.warn("Database error {} (failure {}); retrying in {} ms ({}): {}", what, retry.failures(), backoff,
                ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG, e.getMessage());
    }

    /** The task's connection, opened when there is none (failures go to {@link #connectionFailed}). */
    private Handle connection() {
        if (handle == null) {
            handle = jdbi.open();
            handle.execute("SET lock_timeout = " + LOCK_WAIT_MS);
            retry.succeeded();
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
