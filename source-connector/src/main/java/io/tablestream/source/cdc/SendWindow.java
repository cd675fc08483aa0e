package io.tablestream.source.cdc;

import java.util.function.LongSupplier;

/**
 * How many records the task has handed to Connect that Kafka has not acknowledged yet, and the bound {@code poll()}
 * keeps them under.
 * <p>
 * Connect's source producer sends one batch per partition per round trip to the broker ({@code acks=all}, one request
 * in flight, 16 KiB batches by default), so under a bulk load records queue in front of it until its buffer
 * ({@code buffer.memory}, 32 MiB: some 35,000 of our records) is full. Each queued record (our {@code SourceRecord}
 * and its values, Connect's serialized copy, the callbacks) lives until its acknowledgement, longer than the young
 * generation of a worker's heap does: every young collection copies them, and the more there are the longer every
 * pause, which stops the producer's network thread too. The producer never needs more than what its next requests
 * carry; the rest of a bulk load waits where it costs nothing, unread in PostgreSQL or in the reading thread's
 * bounded read-ahead.
 * <p>
 * What one request carries depends on the producer's settings and the topics' partitions, which the task cannot see,
 * so the bound follows what the producer shows: the acknowledgements of one request's batches arrive back to back
 * on its network thread, a round trip after the previous request's. The bound is {@value #REQUESTS} times the
 * largest such burst of the last {@value #BURSTS_REMEMBERED}, between {@value #MIN_RECORDS} and
 * {@value #MAX_RECORDS} records: one request in flight, the next one queued, and room for the task thread to hand
 * over more before the producer runs dry. A producer held back by the bound shows it: the whole window is
 * acknowledged at once, and the bound grows with it.
 * <p>
 * Not used with {@code transaction.boundary=connector}: there Kafka acknowledges a transaction's records only once
 * the task has handed over its last record, so waiting for acknowledgements in the middle of one would never end.
 * Thread-safe: records are handed over by the task thread and acknowledged by the producer's callback thread.
 */
final class SendWindow {

    static final int MIN_RECORDS = 1_000;
    static final int MAX_RECORDS = 5_000;
    /** Requests' worth of records the window holds. */
    static final int REQUESTS = 4;
    static final int BURSTS_REMEMBERED = 64;
    /**
     * Acknowledgements closer together than this are one request's: far below a round trip to a broker, far above
     * the time the network thread takes from one record's callback to the next.
     */
    static final long BURST_GAP_NANOS = 50_000;

    private final int minRecords;
    private final int maxRecords;
    private final LongSupplier nanoTime;
    private final int[] bursts = new int[BURSTS_REMEMBERED];
    private int nextBurst;
    private int burst;
    private long lastAcknowledgedNanos;
    private int limit;
    private long unacknowledged;
    private int waiting;

    SendWindow() {
        this(MIN_RECORDS, MAX_RECORDS, System::nanoTime);
    }

    SendWindow(int minRecords, int maxRecords, LongSupplier nanoTime) {
        if (minRecords < 1 || maxRecords < minRecords) {
            throw new IllegalArgumentException("a send window holds at least one record and at most as many as its"
                    + " bounds allow: " + minRecords + ".." + maxRecords);
        }
        this.minRecords = minRecords;
        this.maxRecords = maxRecords;
        this.nanoTime = nanoTime;
        this.limit = minRecords;
        this.lastAcknowledgedNanos = nanoTime.getAsLong() - 2 * BURST_GAP_NANOS;
    }

    synchronized void handedOver(int records) {
        unacknowledged += records;
    }

    /** One record acknowledged by Kafka, or dropped by Connect (a transform's filter, a tolerated error). */
    synchronized void acknowledged() {
        unacknowledged--;
        long now = nanoTime.getAsLong();
        if (now - lastAcknowledgedNanos > BURST_GAP_NANOS) {
            endBurst();
        }
        lastAcknowledgedNanos = now;
        burst++;
        if ((long) burst * REQUESTS > limit) {
            limit = (int) Math.min(maxRecords, (long) burst * REQUESTS); // grows within the round trip that shows it
        }
        if (waiting > 0 && unacknowledged < limit) {
            notifyAll();
        }
    }

    private void endBurst() {
        if (burst == 0) {
            return;
        }
        bursts[nextBurst] = burst;
        nextBurst = (nextBurst + 1) % bursts.length;
        burst = 0;
        int largest = 0;
        for (int b : bursts) {
            largest = Math.max(largest, b);
        }
        limit = (int) Math.max(minRecords, Math.min(maxRecords, (long) largest * REQUESTS));
    }

    /**
     * Waits up to {@code maxWaitMs} for the window to have room.
     *
     * @return whether it has room: if not, the caller hands over nothing now and asks again
     */
    synchronized boolean awaitRoom(long maxWaitMs) throws InterruptedException {
        long deadline = System.nanoTime() + maxWaitMs * 1_000_000;
        while (unacknowledged >= limit) {
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMs <= 0) {
                return false;
            }
            waiting++;
            try {
                wait(remainingMs);
            } finally {
                waiting--;
            }
        }
        return true;
    }

    synchronized long unacknowledged() {
        return unacknowledged;
    }

    /** The bound now: {@value #REQUESTS} times the largest recent request, within the window's bounds. */
    synchronized int limit() {
        return limit;
    }
}
