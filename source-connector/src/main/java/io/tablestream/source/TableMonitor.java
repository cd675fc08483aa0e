package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Re-reads the catalog every {@code table.poll.interval.ms} and tells the connector when the selected tables change,
 * so tables created (or dropped) while the connector runs are picked up without a restart.
 */
final class TableMonitor implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TableMonitor.class);

    private final Jdbi jdbi;
    private final TableSelector selector;
    private final long intervalMs;
    private final Runnable onChange;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread thread;
    /** The selected tables and their oids: a table re-created under the same name has a new oid. */
    private volatile Map<TableId, Long> tables = Map.of();
    /** Connect's connector context (MDC) of the thread that started us, so our log lines carry it too. */
    private volatile Map<String, String> logContext;

    TableMonitor(Jdbi jdbi, TableSelector selector, long intervalMs, Runnable onChange) {
        this.jdbi = jdbi;
        this.selector = selector;
        this.intervalMs = intervalMs;
        this.onChange = onChange;
        this.thread = new Thread(this, "tablestream-table-monitor");
        this.thread.setDaemon(true);
    }

    /** Reads the tables once, then watches them in the background. */
    void start() {
        refresh();
        logContext = MDC.getCopyOfContextMap();
        thread.start();
    }

    /** The selected tables, sorted, each with its oid. */
    Map<TableId, Long> tables() {
        return tables;
    }

    @Override
    public void run() {
        if (logContext != null) {
            MDC.setContextMap(logContext);
        }
        try {
            while (!stopping.await(intervalMs, TimeUnit.MILLISECONDS)) {
                if (refresh()) {
                    onChange.run();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether the selected tables changed, or one was re-created under the same name; a failed read keeps the last
     * known tables (the next round retries).
     */
    boolean refresh() {
        try {
            Map<TableId, Long> now = jdbi.withHandle(selector::select);
            if (now.equals(tables)) {
                return false;
            }
            if (now.keySet().equals(tables.keySet())) {
                log.info("Tables re-created under the same name: {}; their tasks restart and keep"
                        + " the stored offsets, so rows at or before them are not read: reset a table's offset"
                        + " (PATCH /connectors/<name>/offsets with null) if its ids or stamps start again",
                        now.keySet().stream().filter(t -> !now.get(t).equals(tables.get(t))).toList());
            } else {
                log.info("Selected tables changed from {} to {}", tables.keySet(), now.keySet());
            }
            tables = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(now));
            return true;
        } catch (RuntimeException e) {
            log.warn("Reading the table list failed; keeping {} and retrying in {} ms: {}", tables.keySet(), intervalMs,
                    e.getMessage());
            return false;
        }
    }

    void stop() {
        stopping.countDown();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
