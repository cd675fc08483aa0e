package io.tablestream.source.cdc;

import org.apache.kafka.connect.source.SourceRecord;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Which LSN the slot may confirm: the offset LSN of the last record in the longest prefix of sent records that
 * Kafka has acknowledged. Records of different topics are acknowledged out of order, so one acknowledgement alone
 * says nothing about earlier records. Thread-safe: records are added by the poll thread and acknowledged by the
 * producer's callback thread.
 */
final class AckTracker {

    private final Deque<SourceRecord> inFlight = new ArrayDeque<>();
    private final Map<SourceRecord, Long> lsnOf = new IdentityHashMap<>();
    private final Map<SourceRecord, Boolean> acked = new IdentityHashMap<>();
    private long flushableLsn;
    private long lastAcknowledgedCommitMs = -1;

    synchronized void sent(SourceRecord record, long lsn) {
        inFlight.addLast(record);
        lsnOf.put(record, lsn);
    }

    synchronized void acknowledged(SourceRecord record) {
        if (!lsnOf.containsKey(record)) {
            return; // a snapshot record: the slot already stands at the snapshot's consistent point
        }
        acked.put(record, Boolean.TRUE);
        while (!inFlight.isEmpty() && acked.containsKey(inFlight.peekFirst())) {
            SourceRecord done = inFlight.removeFirst();
            acked.remove(done);
            flushableLsn = Math.max(flushableLsn, lsnOf.remove(done));
            if (done.timestamp() != null) { // our records' timestamp is their transaction's commit time
                lastAcknowledgedCommitMs = Math.max(lastAcknowledgedCommitMs, done.timestamp());
            }
        }
    }

    synchronized long flushableLsn() {
        return flushableLsn;
    }

    /** Commit time (epoch ms) of the newest change in that prefix, -1 before the first. */
    synchronized long lastAcknowledgedCommitMs() {
        return lastAcknowledgedCommitMs;
    }

    synchronized boolean allAcknowledged() {
        return inFlight.isEmpty();
    }
}
