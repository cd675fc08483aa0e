package io.tablestream.source.cdc;

import java.util.function.LongSupplier;

/**
 * When one CDC poll stops reading the replication stream and returns its batch: once it holds {@code maxRecords};
 * once nothing more is pending and it holds anything; once its first record has waited {@code maxWaitMs}, so under
 * a steady stream of small commits a large {@code batch.max.rows} does not hold early records back; or, while it
 * holds nothing, after {@code idleWaitMs}, so the task still confirms acknowledged positions and sends heartbeats
 * while the stream is idle or carries only changes of tables not captured.
 */
final class PollBatch {

    private final int maxRecords;
    private final long maxWaitNanos;
    private final long idleWaitNanos;
    private final LongSupplier nanoClock;
    private final long startedNanos;
    private long firstRecordNanos;
    private boolean holdsRecords;

    /** Starts a batch at the clock's current time; {@code nanoClock} is {@link System#nanoTime} outside tests. */
    PollBatch(int maxRecords, long maxWaitMs, long idleWaitMs, LongSupplier nanoClock) {
        this.maxRecords = maxRecords;
        this.maxWaitNanos = maxWaitMs * 1_000_000;
        this.idleWaitNanos = idleWaitMs * 1_000_000;
        this.nanoClock = nanoClock;
        this.startedNanos = nanoClock.getAsLong();
    }

    /** Whether the batch must be returned, now that it holds {@code records} and the stream has (or has not) more. */
    boolean complete(int records, boolean morePending) {
        if (records >= maxRecords) {
            return true;
        }
        if (records == 0) {
            return nanoClock.getAsLong() - startedNanos >= idleWaitNanos;
        }
        if (!holdsRecords) {
            holdsRecords = true;
            firstRecordNanos = nanoClock.getAsLong();
        }
        return !morePending || nanoClock.getAsLong() - firstRecordNanos >= maxWaitNanos;
    }
}
