package io.tablestream.source.cdc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollBatchTest {

    private static final long MS = 1_000_000;

    /** A clock the test moves by hand. */
    private static final class ManualClock {
        long nanos = 42 * MS;

        void advanceMs(long ms) {
            nanos += ms * MS;
        }
    }

    @Test
    void returnsAFullBatchAtOnce() {
        ManualClock clock = new ManualClock();
        PollBatch batch = new PollBatch(100, 5, 500, () -> clock.nanos);
        assertFalse(batch.complete(99, true));
        assertTrue(batch.complete(100, true));
        assertTrue(batch.complete(101, true), "a delete and its tombstone may pass the limit by one");
    }

    @Test
    void returnsWhatItHoldsOnceNothingMoreIsPending() {
        ManualClock clock = new ManualClock();
        PollBatch batch = new PollBatch(100, 5, 500, () -> clock.nanos);
        assertFalse(batch.complete(1, true));
        assertTrue(batch.complete(1, false));
    }

    @Test
    void returnsOnceTheFirstRecordHasWaitedTheBoundWhileChangesKeepComing() {
        ManualClock clock = new ManualClock();
        PollBatch batch = new PollBatch(100, 5, 500, () -> clock.nanos);
        clock.advanceMs(300); // an idle stretch before the first record does not count against it
        assertFalse(batch.complete(0, false));
        assertFalse(batch.complete(1, true));
        clock.advanceMs(4);
        assertFalse(batch.complete(4, true));
        clock.advanceMs(1);
        assertTrue(batch.complete(5, true));
    }

    @Test
    void zeroWaitReturnsTheFirstChangeAlone() {
        ManualClock clock = new ManualClock();
        PollBatch batch = new PollBatch(100, 0, 500, () -> clock.nanos);
        assertTrue(batch.complete(1, true));
    }

    @Test
    void anEmptyBatchReturnsAfterTheIdleWaitEvenWhileUncapturedChangesStream() {
        ManualClock clock = new ManualClock();
        PollBatch batch = new PollBatch(100, 5, 500, () -> clock.nanos);
        clock.advanceMs(499);
        assertFalse(batch.complete(0, false));
        assertFalse(batch.complete(0, true));
        clock.advanceMs(1);
        assertTrue(batch.complete(0, true));
        assertTrue(batch.complete(0, false));
    }
}
