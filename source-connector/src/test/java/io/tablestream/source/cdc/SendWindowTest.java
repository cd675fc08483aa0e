package io.tablestream.source.cdc;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SendWindowTest {

    @Test
    void hasRoomUntilTheLimitIsHandedOver() throws Exception {
        SendWindow window = new SendWindow(3);
        assertTrue(window.awaitRoom(0));
        window.handedOver(2);
        assertTrue(window.awaitRoom(0));
        window.handedOver(2); // a poll may pass the limit; the next one waits
        assertFalse(window.awaitRoom(0));
        window.acknowledged();
        assertFalse(window.awaitRoom(0), "3 unacknowledged of 3");
        window.acknowledged();
        assertTrue(window.awaitRoom(0));
        assertEquals(2, window.unacknowledged());
    }

    @Test
    void anAcknowledgementWakesTheWaitingPoll() throws Exception {
        SendWindow window = new SendWindow(1);
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
    void aWindowHoldsAtLeastOneRecord() {
        assertThrows(IllegalArgumentException.class, () -> new SendWindow(0));
    }
}
