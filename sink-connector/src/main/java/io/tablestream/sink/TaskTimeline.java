package io.tablestream.sink;

/**
 * Where a task's wall-clock time went, logged when it stops: between puts (Connect's poll and conversion of the
 * records, or waiting for records), in put (buffering, and waiting for the writer thread when a batch is ready
 * before the previous one is written), and the writer thread's time writing. A few clock reads per put; on the task
 * thread only.
 */
final class TaskTimeline {

    private final long startNanos = System.nanoTime();
    private long firstRecordsNanos;
    private long putStartNanos;
    private long lastPutEndNanos = startNanos;
    private long betweenPutsNanos;
    private long inPutNanos;
    private long waitingForWriterNanos;
    private long puts;
    private long emptyPuts;
    private long records;

    void putStarted(int count) {
        putStartNanos = System.nanoTime();
        betweenPutsNanos += putStartNanos - lastPutEndNanos;
        puts++;
        if (count == 0) {
            emptyPuts++;
        } else if (records == 0) {
            firstRecordsNanos = putStartNanos;
        }
        records += count;
    }

    void putEnded() {
        lastPutEndNanos = System.nanoTime();
        inPutNanos += lastPutEndNanos - putStartNanos;
    }

    void waitedForWriter(long nanos) {
        waitingForWriterNanos += nanos;
    }

    /** One line; {@code writer} idle (awaited) so its figures are read safely. */
    String summary(WriterThread writer) {
        long now = System.nanoTime();
        return String.format("Task timeline: %d ms since start, first records after %d ms; %d records in %d puts "
                        + "(%d empty); between puts (Connect's poll and conversion) %d ms; in put %d ms, of which "
                        + "waiting for the writer thread %d ms; writer thread writing %d ms in %d batches",
                ms(now - startNanos), records == 0 ? -1 : ms(firstRecordsNanos - startNanos), records, puts,
                emptyPuts, ms(betweenPutsNanos), ms(inPutNanos), ms(waitingForWriterNanos), writer.busyMs(),
                writer.batches());
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
