package io.tablestream.sink;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

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

    /** The writer waits for calls only the task thread may make: every wait for the writer makes them. */
    @Test
    void callsTheWriterAsksForAreMadeOnTheTaskThreadWhileItWaits() {
        String task = Thread.currentThread().getName();
        try (WriterThread writer = new WriterThread("test-writer")) {
            for (boolean cancelling : new boolean[] {false, true}) {
                writer.submit(() -> {
                    for (int i = 0; i < 3; i++) {
                        String caller = join(writer.onTaskThread(() -> Thread.currentThread().getName()));
                        if (!caller.equals(task)) {
                            throw new IllegalStateException("called on " + caller);
                        }
                    }
                }, 1);
                if (cancelling) {
                    while (!writer.awaitEnd(10)) {
                        // as cancelInFlight: short waits until the batch ends
                    }
                }
                assertNull(writer.await().failure());
            }
            RuntimeException refused = new IllegalStateException("refused");
            writer.submit(() -> join(writer.onTaskThread(() -> {
                throw refused;
            })), 1);
            assertSame(refused, writer.await().failure().getCause(), "a failure of the call reaches the writer");
        }
    }

    @Test
    void callsAskedWhileTheTaskThreadIsAwayAreMadeByTheNextRun() throws Exception {
        try (WriterThread writer = new WriterThread("test-writer")) {
            CompletableFuture<CompletableFuture<String>> asked = new CompletableFuture<>();
            writer.submit(() -> asked.complete(writer.onTaskThread(() -> "made")), 1);
            CompletableFuture<String> call = asked.get();
            assertFalse(call.isDone(), "not made off the task thread");
            assertEquals(1, writer.runTaskThreadCalls());
            assertEquals("made", call.get());
            assertNull(writer.await().failure());
            assertEquals(0, writer.runTaskThreadCalls());
        }
    }

    @Test
    void anErrorInACallIsThrownOnTheTaskThreadAndEndsTheWritersWait() throws Exception {
        try (WriterThread writer = new WriterThread("test-writer")) {
            CompletableFuture<CompletableFuture<String>> asked = new CompletableFuture<>();
            writer.submit(() -> asked.complete(writer.onTaskThread(() -> {
                throw new AssertionError("out of memory, say");
            })), 1);
            CompletableFuture<String> call = asked.get();
            assertThrows(AssertionError.class, writer::runTaskThreadCalls);
            ExecutionException seen = assertThrows(ExecutionException.class, call::get);
            assertTrue(seen.getCause() instanceof AssertionError, "the writer is not left waiting");
        }
    }

    private static <T> T join(CompletableFuture<T> call) {
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw (RuntimeException) e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
