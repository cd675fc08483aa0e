package io.tablestream.testkit;

/** Waiting between two looks at something a test polls; an interrupt ends the test. */
public final class Pause {

    private Pause() {
    }

    public static void millis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
