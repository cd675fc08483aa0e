package io.tablestream.source.cdc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandoffTest {

    @Test
    void handsOverEveryItemInOrderWhetherAListIsFullOrFlushed() throws InterruptedException {
        Handoff<String> handoff = new Handoff<>(4, 3);
        for (String item : List.of("begin", "change 1", "change 2", "commit", "passed")) {
            handoff.add(item);
        }
        assertEquals(List.of("begin", "change 1", "change 2"), takeAll(handoff), "only the full list so far");
        handoff.flush();
        assertEquals(List.of("commit", "passed"), takeAll(handoff), "a position after the commit it follows");
        assertNull(handoff.take(1), "nothing more");
    }

    @Test
    void aListIsHandedOverBeforeItIsFullOnlyWhileTheConsumerHasNothingQueued() throws InterruptedException {
        Handoff<String> handoff = new Handoff<>(4, 100);
        handoff.add("commit 1");
        assertTrue(handoff.flushIfConsumerWaits(), "nothing queued: the consumer gets it at once");
        handoff.add("commit 2");
        assertFalse(handoff.flushIfConsumerWaits(), "the consumer has a list to work on");
        assertEquals(List.of("commit 1"), takeAll(handoff));
        assertTrue(handoff.flushIfConsumerWaits());
        assertEquals(List.of("commit 2"), takeAll(handoff));
    }

    @Test
    void aProducerAheadWaitsForRoomAndThenHandsOverEverythingInOrder() throws Exception {
        Handoff<Integer> handoff = new Handoff<>(2, 2);
        AtomicInteger added = new AtomicInteger();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    handoff.add(i);
                    added.incrementAndGet();
                }
                handoff.flush();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        producer.start();
        // Two full lists queued and one filling: the sixth item's add waits.
        await(() -> added.get() == 5 && producer.getState() == Thread.State.TIMED_WAITING);
        assertEquals(5, added.get(), "the queue is bounded");

        List<Integer> taken = new ArrayList<>();
        while (taken.size() < 100) {
            Integer item = handoff.take(1_000);
            if (item != null) {
                taken.add(item);
            }
        }
        producer.join();
        assertEquals(IntStream.range(0, 100).boxed().toList(), taken);
    }

    @Test
    void closingReleasesAWaitingProducer() throws Exception {
        Handoff<Integer> handoff = new Handoff<>(1, 1);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                handoff.add(1);
                handoff.add(2); // waits: the queue holds the first
            } catch (InterruptedException e) {
                failure.set(e);
            }
        });
        producer.start();
        await(() -> producer.getState() == Thread.State.TIMED_WAITING);
        handoff.close();
        producer.join(60_000);
        assertInstanceOf(InterruptedException.class, failure.get());
        assertNull(handoff.take(1), "what was queued is dropped");
    }

    private static <T> List<T> takeAll(Handoff<T> handoff) throws InterruptedException {
        List<T> items = new ArrayList<>();
        for (T item = handoff.take(1); item != null; item = handoff.take(1)) {
            items.add(item);
        }
        return items;
    }

    /** Waits for a state another thread reaches; bounded generously, as the machine may be busy. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "the producer never got there");
            Thread.sleep(5);
        }
    }
}
