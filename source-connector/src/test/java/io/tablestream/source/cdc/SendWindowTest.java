package io.tablestream.source.cdc;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SendWindowTest {

    /** A clock the test moves: acknowledgements at one instant are one request's, a round trip apart the next's. */
    private long now;

    private SendWindow window(int min, int max) {
        return new SendWindow(min, max, () -> now);
    }

    /** One produce response: {@code records} acknowledgements back to back, a round trip after the last. */
    private void response(SendWindow window, int records) {
        now += 1_000_000;
        for (int i = 0; i < records; i++) {
            window.acknowledged();
            now += 1_000; // the network thread's time from one record's callback to the next
        }
    }

    @Test
    void hasRoomUntilTheLimitIsHandedOver() throws Exception {
        SendWindow window = window(3, 3);
        assertTrue(window.awaitRoom(0));
        window.handedOver(2);
        assertTrue(window.awaitRoom(0));
        window.handedOver(2); // a poll may pass the limit; the next one waits
        assertFalse(window.awaitRoom(0));
        response(window, 1);
        assertFalse(window.awaitRoom(0), "3 unacknowledged of 3");
        response(window, 1);
        assertTrue(window.awaitRoom(0));
        assertEquals(2, window.unacknowledged());
    }

    @Test
    void anAcknowledgementWakesTheWaitingPoll() throws Exception {
        SendWindow window = new SendWindow(1, 1, System::nanoTime);
        window.handedOver(1);
        CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(() -> {
            try {
                return window.awaitRoom(60_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        window.acknowledged();
        assertTrue(room.get(30, TimeUnit.SECONDS));
    }

    @Test
    void smallRequestsKeepTheLowerBound() {
        SendWindow window = window(100, 5_000);
        window.handedOver(1_000);
        for (int i = 0; i < 50; i++) {
            response(window, 17); // a 16 KiB batch of ~960-byte records per round trip
        }
        assertEquals(100, window.limit());
    }

    @Test
    void holdsFourRequestsOnceTheyAreLarger() {
        SendWindow window = window(100, 5_000);
        window.handedOver(10_000);
        response(window, 300);
        assertEquals(1_200, window.limit(), "4 requests of 300");
        response(window, 17);
        assertEquals(1_200, window.limit(), "the largest recent request counts");
    }

    @Test
    void aProducerHeldBackByTheBoundWidensIt() throws Exception {
        SendWindow window = window(100, 5_000);
        window.handedOver(100);
        assertFalse(window.awaitRoom(0));
        response(window, 100); // everything in flight acknowledged at once: the producer could take more
        assertEquals(400, window.limit());
        window.handedOver(400);
        response(window, 400);
        assertEquals(1_600, window.limit());
        window.handedOver(10_000);
        response(window, 2_000);
        assertEquals(5_000, window.limit(), "never above the upper bound");
    }

    @Test
    void narrowsAgainOnceLargeRequestsAreForgotten() {
        SendWindow window = window(100, 5_000);
        window.handedOver(100_000);
        response(window, 1_000);
        assertEquals(4_000, window.limit());
        for (int i = 0; i < SendWindow.BURSTS_REMEMBERED - 1; i++) {
            response(window, 17);
        }
        assertEquals(4_000, window.limit(), "still among the last " + SendWindow.BURSTS_REMEMBERED);
        response(window, 17);
        response(window, 17);
        assertEquals(100, window.limit());
    }

    @Test
    void boundsMustHoldARecord() {
        assertThrows(IllegalArgumentException.class, () -> window(0, 10));
        assertThrows(IllegalArgumentException.class, () -> window(10, 5));
    }
}
