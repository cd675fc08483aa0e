package io.tablestream.enricher;

import io.tablestream.enricher.BadRecords.BadRecord;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Decides what happens when a stream thread dies. A bad record (see {@link BadRecords}) stops the app at once:
 * a new thread would resume from the same committed offset and fail on the same record forever. Any other
 * failure replaces the thread, unless threads already died {@link #MAX_REPLACEMENTS} times within
 * {@link #WINDOW}: a failure that keeps coming back stops the app too, so it shows as ERROR (and /health 503)
 * instead of a RUNNING app that makes no progress. {@link #stopReason()} says why it stopped.
 */
final class StreamThreadFailureHandler implements StreamsUncaughtExceptionHandler {

    static final int MAX_REPLACEMENTS = 3;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(StreamThreadFailureHandler.class);

    private final BadRecords badRecords;
    private final LongSupplier clockMs;
    private final Deque<Long> replacements = new ArrayDeque<>();
    private volatile String stopReason;

    StreamThreadFailureHandler(BadRecords badRecords, LongSupplier clockMs) {
        this.badRecords = badRecords;
        this.clockMs = clockMs;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable error) {
        BadRecord badRecord = badRecords.find(error);
        if (badRecord != null) {
            return stop("Stopping the enricher: " + badRecord.describe() + ". Without "
                    + EnricherConfig.DEADLETTER_TOPIC_CONFIG + " a record that cannot be read or joined stops the "
                    + "app rather than be skipped. Fix or remove the record's cause and restart, or set "
                    + EnricherConfig.DEADLETTER_TOPIC_CONFIG + " (e.g. enricher_dlq) to send such records there "
                    + "and continue", error);
        }
        long now = clockMs.getAsLong();
        while (!replacements.isEmpty() && replacements.peekFirst() <= now - WINDOW.toMillis()) {
            replacements.removeFirst();
        }
        if (replacements.size() >= MAX_REPLACEMENTS) {
            return stop("Stopping the enricher: a stream thread died " + (replacements.size() + 1) + " times within "
                    + WINDOW.toMinutes() + " minutes, the last time of " + error + ". See the errors logged before",
                    error);
        }
        replacements.addLast(now);
        // Streams' exception names the task, processor, topic, partition and offset.
        log.error("A stream thread failed; replacing it ({} of at most {} within {} minutes)", replacements.size(),
                MAX_REPLACEMENTS, WINDOW.toMinutes(), error);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private StreamThreadExceptionResponse stop(String reason, Throwable error) {
        stopReason = reason;
        log.error(reason, error);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** Where the exception handlers note bad records for this handler. */
    BadRecords badRecords() {
        return badRecords;
    }

    /** Why this handler stopped the app; null while it has not. */
    String stopReason() {
        return stopReason;
    }
}
