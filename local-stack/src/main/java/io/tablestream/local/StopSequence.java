package io.tablestream.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops the parts of the stack one after another, each within its own bound: a part that has not stopped in time is
 * named, left to the force its own stop applies (or to the JVM's exit) and the sequence goes on, so the whole stack
 * is down within the sum of the bounds whatever state a part is in. Each part's stop runs on a daemon thread of its
 * own, so a stop that blocks cannot hold up the ones after it.
 */
final class StopSequence {

    private static final Logger log = LoggerFactory.getLogger(StopSequence.class);

    private final long startNanos = System.nanoTime();

    /** Runs {@code stop} and waits at most {@code bound} for it; returns whether it finished without error in time. */
    boolean stop(String part, Duration bound, Runnable stop) {
        long t0 = System.nanoTime();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                stop.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, "stop-" + part.replace(' ', '-'));
        thread.setDaemon(true);
        thread.start();
        try {
            done.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            log.info("Stopped the {} in {} ms", part, (System.nanoTime() - t0) / 1_000_000);
            return true;
        } catch (TimeoutException e) {
            log.warn("The {} did not stop within {} s; going on without it", part, bound.toSeconds());
        } catch (ExecutionException e) {
            log.warn("Stopping the {} failed: {}", part, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Interrupted while stopping the {}", part);
        }
        return false;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
