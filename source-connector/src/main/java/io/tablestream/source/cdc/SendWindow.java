package io.tablestream.source.cdc;

/**
 * How many records the task has handed to Connect that Kafka has not acknowledged yet, and the bound {@code poll()}
 * keeps them under.
 * <p>
 * Connect's source producer sends one batch per partition per round trip to the broker ({@code acks=all}, one request
 * in flight, 16 KiB batches by default), so under a bulk load records queue in front of it until its buffer
 * ({@code buffer.memory}, 32 MiB: some 35,000 of our records) is full. Each queued record (our {@code SourceRecord}
 * and its values, Connect's serialized copy, the callbacks) lives until its acknowledgement, longer than the young
 * generation of a worker's heap does, so it is copied into the old generation and dies there: in the benchmark's
 * 512 MB worker that was a full collection every two seconds, and the pauses lengthened every round trip. A few
 * thousand records are many batches, enough to keep every round trip full; the rest of a bulk load waits where it
 * costs nothing, unread in PostgreSQL or in the reading thread's bounded read-ahead.
 * <p>
 * Not used with {@code transaction.boundary=connector}: there Kafka acknowledges a transaction's records only once
 * the task has handed over its last record, so waiting for acknowledgements in the middle of one would never end.
 * Thread-safe: records are handed over by the task thread and acknowledged by the producer's callback thread.
 */
final class SendWindow {

    static final int DEFAULT_RECORDS = 5_000;

    private final int limit;
    private long unacknowledged;

    SendWindow(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a send window holds at least one record: " + limit);
        }
        this.limit = limit;
    }

    synchronized void handedOver(int records) {
        unacknowledged += records;
    }

    /** One record acknowledged by Kafka, or dropped by Connect (a transform's filter, a tolerated error). */
    synchronized void acknowledged() {
        unacknowledged--;
        if (unacknowledged == limit - 1) {
            notifyAll();
        }
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
            wait(remainingMs);
        }
        return true;
    }

    synchronized long unacknowledged() {
        return unacknowledged;
    }
}
