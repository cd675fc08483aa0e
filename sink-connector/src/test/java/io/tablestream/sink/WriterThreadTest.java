package io.tablestream.sink;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WriterThreadTest {

    @Test
    void oneBatchAtATimeAndItsOutcomeWaitsForAwait() throws InterruptedException {
        try (WriterThread writer = new WriterThread("test-writer")) {
            assertNull(writer.await(), "nothing in flight");
            CountDownLatch release = new CountDownLatch(1);
            writer.submit(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, 7);
            assertTrue(writer.busy());
            assertFalse(writer.finished());
            assertThrows(IllegalStateException.class, () -> writer.submit(() -> { }, 1));
            release.countDown();
            WriterThread.Outcome outcome = writer.await();
            assertEquals(new WriterThread.Outcome(7, null), outcome);
            assertFalse(writer.busy());
            assertEquals(1, writer.batches());
        }
    }

    @Test
    void aFailureOfTheWriterIsHandedToTheTaskThread() {
        try (WriterThread writer = new WriterThread("test-writer")) {
            RetriableException transientFailure = new RetriableException("deadlock detected");
            writer.submit(() -> {
                throw transientFailure;
            }, 3);
            assertSame(transientFailure, writer.await().failure(), "a Connect failure as it is, for the retry");

            writer.submit(() -> {
                throw new IllegalStateException("a bug in the writer");
            }, 5);
            ConnectException failure = writer.await().failure();
            assertTrue(failure.getMessage().contains("a batch of 5 records")
                    && failure.getMessage().contains("a bug in the writer"), failure.getMessage());
            assertTrue(failure.getCause() instanceof IllegalStateException);

            writer.submit(() -> {
                throw new AssertionError("an Error is not the batch's outcome");
            }, 1);
            assertThrows(AssertionError.class, writer::await);
            assertFalse(writer.busy());
        }
    }
}
