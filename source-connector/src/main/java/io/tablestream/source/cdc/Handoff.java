package io.tablestream.source.cdc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands items from one producing thread to one consuming thread, in order. Items travel in small lists, as one
 * queue operation per item would cost about as much as the work saved; the queue is bounded by a count of lists, so
 * a producer far ahead of its consumer waits instead of filling the heap.
 */
final class Handoff<T> {

    /** How often a producer waiting for room checks whether the handoff was closed. */
    private static final long CLOSED_CHECK_MS = 10;

    private final BlockingQueue<List<T>> queue;
    private final int listSize;
    private volatile boolean closed;
    // The producer's side
    private List<T> filling;
    // The consumer's side
    private List<T> taking = List.of();
    private int next;

    Handoff(int lists, int listSize) {
        this.queue = new ArrayBlockingQueue<>(lists);
        this.listSize = listSize;
        this.filling = new ArrayList<>(listSize);
    }

    /** Producer: adds an item, handing the list over once it is full; waits while the queue is full. */
    void add(T item) throws InterruptedException {
        filling.add(item);
        if (filling.size() >= listSize) {
            flush();
        }
    }

    /** Producer: hands over what was added so far; waits while the queue is full. */
    void flush() throws InterruptedException {
        if (filling.isEmpty()) {
            return;
        }
        while (!queue.offer(filling, CLOSED_CHECK_MS, TimeUnit.MILLISECONDS)) {
            if (closed) {
                throw new InterruptedException("the handoff is closed");
            }
        }
        if (closed) { // the room was made by close
            queue.clear();
            throw new InterruptedException("the handoff is closed");
        }
        filling = new ArrayList<>(listSize);
    }

    /**
     * Producer: hands over what was added if the consumer has nothing queued, so it never waits for a list to
     * fill while items are ready; a consumer that is behind gets full lists. Whether it handed over.
     */
    boolean flushIfConsumerWaits() throws InterruptedException {
        if (!queue.isEmpty()) {
            return false;
        }
        flush();
        return true;
    }

    /** Consumer: the next item, waiting up to {@code waitMs} for one; null if none came. */
    T take(long waitMs) throws InterruptedException {
        if (next == taking.size()) {
            List<T> list = queue.poll(waitMs, TimeUnit.MILLISECONDS);
            if (list == null) {
                return null;
            }
            taking = list;
            next = 0;
        }
        return taking.get(next++);
    }

    /** Drops what is queued; a producer waiting for room gives up with an InterruptedException. */
    void close() {
        closed = true;
        queue.clear();
        taking = List.of();
        next = 0;
    }
}
