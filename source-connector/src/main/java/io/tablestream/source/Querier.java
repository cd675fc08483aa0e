package io.tablestream.source;

import org.apache.kafka.connect.source.SourceRecord;
import org.jdbi.v3.core.Handle;

import java.util.List;

/** Polls one source (a table, or the custom query) for the task; the task decides which querier is due. */
interface Querier extends AutoCloseable {

    /** What this querier reads, for logs and errors. */
    String name();

    long nextPollAtMs();

    void scheduleNextPoll(long atMs);

    /**
     * Reads at most about {@code maxRows} rows through the task's connection. The querier's position moves only when
     * this returns, so a failure (e.g. a dropped connection) makes the next call read the same rows again.
     */
    List<SourceRecord> poll(Handle handle, int maxRows);

    /** Whether rows are known or likely to be waiting, so the next poll should come at once. */
    boolean hasMoreNow();

    /** How long after the last poll to poll again: at once while rows are waiting, else poll.interval.ms. */
    default long nextPollDelayMs(long pollIntervalMs) {
        return hasMoreNow() ? 0 : pollIntervalMs;
    }

    /** Releases what the querier holds between polls (a bulk scan's cursor); default: nothing. */
    @Override
    default void close() {
    }
}
