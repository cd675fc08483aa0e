package io.tablestream.source.cdc;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AckTrackerTest {

    private static SourceRecord record(String topic) {
        return new SourceRecord(Map.of(), Map.of(), topic, null, null);
    }

    @Test
    void confirmsOnlyTheAcknowledgedPrefix() {
        AckTracker tracker = new AckTracker();
        SourceRecord a = record("a");
        SourceRecord b = record("b");
        SourceRecord c = record("a");
        tracker.sent(a, 100);
        tracker.sent(b, 100);
        tracker.sent(c, 200);

        tracker.acknowledged(c); // another topic's record acknowledged first: an earlier one is still in flight
        assertEquals(0, tracker.flushableLsn());
        tracker.acknowledged(a);
        assertEquals(100, tracker.flushableLsn());
        assertFalse(tracker.allAcknowledged());
        tracker.acknowledged(b);
        assertEquals(200, tracker.flushableLsn());
        assertTrue(tracker.allAcknowledged());
    }

    @Test
    void ignoresRecordsItDoesNotTrack() {
        AckTracker tracker = new AckTracker();
        tracker.acknowledged(record("snapshot"));
        assertEquals(0, tracker.flushableLsn());
        assertTrue(tracker.allAcknowledged());
    }

    @Test
    void keepsTheCommitTimeOfTheAcknowledgedPrefix() {
        AckTracker tracker = new AckTracker();
        SourceRecord first = new SourceRecord(Map.of(), Map.of(), "a", null, null, null, null, null, 1_000L);
        SourceRecord second = new SourceRecord(Map.of(), Map.of(), "b", null, null, null, null, null, 2_000L);
        tracker.sent(first, 100);
        tracker.sent(second, 200);
        assertEquals(-1, tracker.lastAcknowledgedCommitMs());
        tracker.acknowledged(second);
        assertEquals(-1, tracker.lastAcknowledgedCommitMs(), "the first change is still in flight");
        tracker.acknowledged(first);
        assertEquals(2_000, tracker.lastAcknowledgedCommitMs());
    }
}
