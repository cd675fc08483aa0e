package io.tablestream.enricher;

import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamThreadFailureHandlerTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final BadRecords badRecords = new BadRecords();
    private final StreamThreadFailureHandler handler = new StreamThreadFailureHandler(badRecords, now::get);

    @Test
    void aBadRecordStopsTheAppAtOnceNamingItsCoordinatesAndTheFix() {
        DataException cause = new DataException("Converting byte[] to Kafka Connect data failed");
        badRecords.add(new BadRecords.BadRecord("orders", 2, 41, null, cause));

        StreamThreadExceptionResponse response = handler.handle(new StreamsException("Deserialization exception "
                + "handler is set to fail upon a deserialization error", cause));

        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, response);
        String reason = handler.stopReason();
        assertTrue(reason.contains("topic 'orders' partition 2 offset 41 cannot be read"), reason);
        assertTrue(reason.contains("set errors.deadletter.topic"), reason);
    }

    @Test
    void otherFailuresReplaceTheThreadUntilTheyKeepComingBack() {
        for (int i = 0; i < StreamThreadFailureHandler.MAX_REPLACEMENTS; i++) {
            assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, handler.handle(transientFailure()));
            now.addAndGet(1_000);
        }
        assertNull(handler.stopReason());

        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, handler.handle(transientFailure()));
        assertTrue(handler.stopReason().contains("died 4 times within 10 minutes"), handler.stopReason());
    }

    @Test
    void failuresOlderThanTheWindowAreForgotten() {
        for (int i = 0; i < 10; i++) {
            assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, handler.handle(transientFailure()), "#" + i);
            now.addAndGet(StreamThreadFailureHandler.WINDOW.dividedBy(StreamThreadFailureHandler.MAX_REPLACEMENTS)
                    .plus(Duration.ofMillis(1)).toMillis());
        }
    }

    private static StreamsException transientFailure() {
        return new StreamsException("broker went away", new TaskId(0, 1));
    }
}
