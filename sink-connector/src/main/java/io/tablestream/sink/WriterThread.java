package io.tablestream.sink;

import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.MDC;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A task's one thread for database writes, so the task thread goes on receiving records (Connect converts them
 * before {@code put}, the larger part of a record's cost) while PostgreSQL writes the previous batch on the other
 * core. At most one batch is in flight. What the write uses (the connection, the written offsets, the plans) is the
 * writer's from {@link #submit} until {@link #await} returns: the future's completion orders the two threads' use.
 */
final class WriterThread implements AutoCloseable {

    /** How a batch ended: {@code failure} null when every record of it is written. */
    record Outcome(int records, ConnectException failure) {
    }

    private final ExecutorService executor;
    private Future<?> inFlight;
    private int inFlightRecords;
    /** Written on the writer thread, read after {@link #await}. */
    private long busyNanos;
    private int batches;

    /** Call on the task thread: the writer's log lines carry its logging context (Connect's connector.context). */
    WriterThread(String name) {
        Map<String, String> loggingContext = MDC.getCopyOfContextMap();
        executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(() -> {
                if (loggingContext != null) {
                    MDC.setContextMap(loggingContext);
                }
                runnable.run();
            }, name);
            thread.setDaemon(true); // a worker whose task never stopped still exits
            return thread;
        });
    }

    boolean busy() {
        return inFlight != null;
    }

    /** The batch in flight has ended; its outcome waits for {@link #await}. */
    boolean finished() {
        return inFlight != null && inFlight.isDone();
    }

    int inFlightRecords() {
        return inFlightRecords;
    }

    /** Starts writing a batch of {@code records} records; only when not {@link #busy}. */
    void submit(Runnable write, int records) {
        if (inFlight != null) {
            throw new IllegalStateException("A batch is already being written");
        }
        inFlightRecords = records;
        inFlight = executor.submit(() -> {
            long start = System.nanoTime();
            try {
                write.run();
            } finally {
                busyNanos += System.nanoTime() - start;
                batches++;
            }
        });
    }

    /**
     * Waits for the batch in flight to end; null when none is. A failure is handed back, not thrown, so the caller
     * decides when the task sees it; an {@link Error} is thrown as it is.
     */
    Outcome await() {
        if (inFlight == null) {
            return null;
        }
        int records = inFlightRecords;
        try {
            inFlight.get();
            return new Outcome(records, null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConnectException connect) {
                return new Outcome(records, connect);
            }
            if (cause instanceof Error error) {
                throw error;
            }
            return new Outcome(records, new ConnectException("Writing a batch of " + records + " records failed: "
                    + cause, cause));
        } catch (InterruptedException e) {
            throw interrupted(e);
        } finally {
            if (inFlight.isDone()) {
                inFlight = null;
                inFlightRecords = 0;
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} for the batch in flight to end, leaving its outcome to {@link #await}.
     *
     * @return whether no batch is in flight any more (or none was)
     */
    boolean awaitEnd(long timeoutMs) {
        if (inFlight == null) {
            return true;
        }
        try {
            inFlight.get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    private ConnectException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new ConnectException("Interrupted while the writer thread wrote a batch of " + inFlightRecords
                + " records; the batch is written again unless it was committed", e);
    }

    /** Time spent writing and batches written so far; read after {@link #await}. */
    long busyMs() {
        return busyNanos / 1_000_000;
    }

    int batches() {
        return batches;
    }

    /** Stops the thread; call after {@link #await}, so no batch is cut short. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
