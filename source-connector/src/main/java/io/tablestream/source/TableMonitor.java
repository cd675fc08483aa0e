package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Re-reads the catalog every {@code table.poll.interval.ms} and tells the connector when the selected tables change,
 * so tables created (or dropped) while the connector runs are picked up without a restart.
 */
final class TableMonitor implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TableMonitor.class);

    private final Jdbi jdbi;
    private final TableSelector selector;
    private final long intervalMs;
    private final BiFunction<Collection<TableId>, Set<TableId>, String> clashes;
    private final Runnable onChange;
    private final Consumer<Exception> onClash;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread thread;
    /** The selected tables and their oids: a table re-created under the same name has a new oid. */
    private volatile Map<TableId, Long> tables = Map.of();
    /** Connect's connector context (MDC) of the thread that started us, so our log lines carry it too. */
    private volatile Map<String, String> logContext;

    /**
     * {@code clashes} says why tables (the first argument) may not be selected together, given the tables selected
     * before (the second; empty at start), or null when they may; {@code onChange} is told of a new selection,
     * {@code onClash} (the connector fails) of one that clashes, which is then not taken. Neither is told anything
     * once {@link #stop()} is called.
     */
    TableMonitor(Jdbi jdbi, TableSelector selector, long intervalMs,
                 BiFunction<Collection<TableId>, Set<TableId>, String> clashes, Runnable onChange,
                 Consumer<Exception> onClash) {
        this.jdbi = jdbi;
        this.selector = selector;
        this.intervalMs = intervalMs;
        this.clashes = clashes;
        this.onChange = onChange;
        this.onClash = onClash;
        this.thread = new Thread(this, "tablestream-table-monitor");
        this.thread.setDaemon(true);
    }

    /** Reads the tables once, then watches them in the background; fails when the tables clash. */
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
                boolean changed;
                try {
                    changed = refresh();
                } catch (TableNameClashException e) { // a failed catalog read is retried instead
                    if (!isStopping()) {
                        log.error(e.getMessage());
                        onClash.accept(e);
                    }
                    return;
                }
                if (changed && !isStopping()) {
                    try {
                        onChange.run();
                    } catch (RuntimeException e) { // Connect refuses a reconfiguration while the connector stops
                        log.warn("Could not ask Connect to reassign the tables; asking again at the next change: {}",
                                e.toString());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean isStopping() {
        return stopping.getCount() == 0;
    }

    /**
     * Whether the selected tables changed, or one was re-created under the same name; a failed read keeps the last
     * known tables (the next round retries), and so does a selection whose tables clash, which throws.
     */
    boolean refresh() {
        Map<TableId, Long> now;
        try {
            now = jdbi.withHandle(selector::select);
        } catch (RuntimeException e) {
            log.warn("Reading the table list failed; keeping {} and retrying in {} ms: {}", tables.keySet(), intervalMs,
                    e.getMessage());
            return false;
        }
        if (now.equals(tables)) {
            return false;
        }
        String clash = clashes.apply(now.keySet(), tables.keySet());
        if (clash != null) {
            throw new TableNameClashException(clash);
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
