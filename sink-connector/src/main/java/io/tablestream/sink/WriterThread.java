package io.tablestream.sink;

import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.MDC;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A task's one thread for database writes, so the task thread goes on receiving records (Connect converts them
 * before {@code put}, the larger part of a record's cost) while PostgreSQL writes the previous batch on the other
 * core. At most one batch is in flight. What the write uses (the connection, the written offsets, the plans) is the
 * writer's from {@link #submit} until {@link #await} returns: the future's completion orders the two threads' use.
 * What must happen on the task thread (Connect's dead-letter reports) the writer asks for with {@link #onTaskThread}:
 * the task thread makes those calls whenever it waits for the writer and in {@link #runTaskThreadCalls}.
 */
final class WriterThread implements AutoCloseable {

    /** How a batch ended: {@code failure} null when every record of it is written. */
    record Outcome(int records, ConnectException failure) {
    }

    /** Runs on the task thread, to wake it when a batch ends. */
    private static final Runnable BATCH_ENDED = () -> { };

    private final ExecutorService executor;
    /** Calls the writer asked the task thread to make, and {@link #BATCH_ENDED} after each batch. */
    private final BlockingQueue<Runnable> taskThreadCalls = new LinkedBlockingQueue<>();
    private CompletableFuture<Void> inFlight;
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
        inFlight = CompletableFuture.runAsync(() -> {
            long start = System.nanoTime();
            try {
                write.run();
            } finally {
                busyNanos += System.nanoTime() - start;
                batches++;
            }
        }, executor);
        // once the future is done, so a task thread woken by it sees it done
        inFlight.whenComplete((ignored, failure) -> taskThreadCalls.add(BATCH_ENDED));
    }

    /**
     * On the writer thread: asks the task thread to make a call; the future ends with the call's result or its
     * failure. The writer may wait for it: the task thread makes the calls whenever it waits for the writer (a full
     * buffer, a rebalance, a stop) and at the start of each put and preCommit, which keep coming while a batch is in
     * flight.
     */
    <T> CompletableFuture<T> onTaskThread(Supplier<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        taskThreadCalls.add(() -> {
            try {
                result.complete(call.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } catch (Error e) {
                result.completeExceptionally(e); // else the writer would wait for it for ever
                throw e;
            }
        });
        return result;
    }

    /** On the task thread: makes the calls the writer asked for so far; returns how many. */
    int runTaskThreadCalls() {
        int calls = 0;
        Runnable call;
        while ((call = taskThreadCalls.poll()) != null) {
            if (call != BATCH_ENDED) {
                call.run();
                calls++;
            }
        }
        return calls;
    }

    /**
     * Waits for the batch in flight to end, making the calls the writer asks for meanwhile; null when none is. A
     * failure is handed back, not thrown, so the caller decides when the task sees it; an {@link Error} is thrown as
     * it is.
     */
    Outcome await() {
        if (inFlight == null) {
            return null;
        }
        int records = inFlightRecords;
        try {
            while (!inFlight.isDone()) {
                taskThreadCalls.take().run();
            }
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
     * Waits up to {@code timeoutMs} for the batch in flight to end, making the calls the writer asks for meanwhile,
     * and leaves its outcome to {@link #await}.
     *
     * @return whether no batch is in flight any more (or none was)
     */
    boolean awaitEnd(long timeoutMs) {
        if (inFlight == null) {
            return true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            while (!inFlight.isDone()) {
                Runnable call = taskThreadCalls.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (call == null) {
                    return inFlight.isDone();
                }
                call.run();
            }
            return true;
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
