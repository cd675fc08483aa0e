package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;

/**
 * How far the incremental snapshot of one table has come in this task run, as the JMX metrics and the task's log
 * show it. Written by the task thread, read by JMX threads.
 */
final class SnapshotTableStatus {

    /** Where the table's snapshot stands; {@link #label} is what the metric shows. */
    enum State {
        QUEUED, RUNNING, PAUSED, COMPLETED, STOPPED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final TableId table;
    private volatile State state = State.QUEUED;
    private volatile long rowsEstimated;
    private volatile long rowsRead;
    private volatile long chunksDone;

    SnapshotTableStatus(TableId table, long rowsEstimated) {
        this.table = table;
        this.rowsEstimated = rowsEstimated;
    }

    TableId table() {
        return table;
    }

    State state() {
        return state;
    }

    long rowsEstimated() {
        return rowsEstimated;
    }

    long rowsRead() {
        return rowsRead;
    }

    long chunksDone() {
        return chunksDone;
    }

    /** The table is queued again (a signal), with a new estimate: its counts start over. */
    void queued(long estimate) {
        state = State.QUEUED;
        rowsEstimated = estimate;
        rowsRead = 0;
        chunksDone = 0;
    }

    void state(State now) {
        state = now;
    }

    void chunksReleased(int chunks, int rows) {
        chunksDone += chunks;
        rowsRead += rows;
    }

    /** The log line's progress: rows read of the estimate, and chunks. */
    String describe() {
        return rowsRead + " of about " + rowsEstimated + " rows (pg_class.reltuples), " + chunksDone + " chunks";
    }
}
