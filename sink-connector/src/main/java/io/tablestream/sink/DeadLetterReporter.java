package io.tablestream.sink;

import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The worker's dead-letter reporter as the writer thread uses it: each report is made on the task thread. Connect
 * keeps a reporter's pending reports in plain lists that the worker reads and empties on the task thread when it
 * commits offsets; a report made on another thread at that moment can fail the task, or escape the worker's wait so
 * that it commits offsets past a record not yet in the dead-letter queue.
 */
final class DeadLetterReporter {

    /** A report asked for: {@code made} ends once the task thread has handed the record to the worker. */
    record Report(CompletableFuture<Future<Void>> made) {

        /**
         * Waits until the record is stored. A failure of the report call itself (e.g. the worker's tolerance
         * exceeded) is thrown as it is; a failure to store it as an {@link ExecutionException}.
         */
        void await() throws ExecutionException, InterruptedException {
            Future<Void> stored;
            try {
                stored = made.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException call) {
                    throw call;
                }
                throw e;
            }
            stored.get();
        }
    }

    private final Supplier<ErrantRecordReporter> reporters;
    private final WriterThread writerThread;

    /** {@code reporters} gives null when the worker offers none. */
    DeadLetterReporter(Supplier<ErrantRecordReporter> reporters, WriterThread writerThread) {
        this.reporters = reporters;
        this.writerThread = writerThread;
    }

    /** Whether the worker takes bad records (errors.tolerance=all with a dead-letter queue or error logging). */
    boolean available() {
        return reporters.get() != null;
    }

    /**
     * On the writer thread: asks the task thread to report the record and goes on; {@link Report#await} before
     * anything after the record is committed.
     */
    Report report(SinkRecord record, Throwable error) {
        return new Report(writerThread.onTaskThread(() -> reporters.get().report(record, error)));
    }
}
