package io.tablestream.sink;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The records a task accepted but has not written yet, across put calls, so one transaction can hold up to
 * batch.size records although the consumer hands fewer per poll: the oldest may be {@link #handOver handed} to the
 * writer (one batch at a time), the others wait. Knows how far each partition is buffered, so a put Connect repeats
 * after a retriable failure is not buffered twice.
 */
final class PendingRecords {

    private final List<SinkRecord> records = new ArrayList<>();
    private final Map<TopicPartition, Long> bufferedUpTo = new HashMap<>();
    /** How many of the oldest records are being written. */
    private int handed;
    /** When the oldest waiting record came, and when the oldest handed one did. */
    private long waitingSinceNanos;
    private long handedSinceNanos;

    /**
     * Adds the records of one put, but those already buffered. Without {@code keepConsumed} each is kept as a plain
     * copy: the worker's record also holds the consumed key and value bytes, which only a dead-letter report needs,
     * and a buffer of them outlives young collections: in a small worker heap they were promoted to the old
     * generation at nearly every one, and filled it.
     */
    void add(Collection<SinkRecord> put, boolean keepConsumed) {
        for (SinkRecord record : put) {
            TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
            Long buffered = bufferedUpTo.get(tp);
            if (buffered != null && record.kafkaOffset() <= buffered) {
                continue;
            }
            if (records.size() == handed) {
                waitingSinceNanos = System.nanoTime();
            }
            records.add(keepConsumed ? record : withoutConsumedBytes(record));
            bufferedUpTo.put(tp, record.kafkaOffset());
        }
    }

    /** The same record as a plain SinkRecord, without the worker's reference to the consumed record. */
    static SinkRecord withoutConsumedBytes(SinkRecord record) {
        return new SinkRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                record.valueSchema(), record.value(), record.kafkaOffset(), record.timestamp(),
                record.timestampType(), record.headers(), record.originalTopic(), record.originalKafkaPartition(),
                record.originalKafkaOffset());
    }

    List<SinkRecord> records() {
        return records;
    }

    int size() {
        return records.size();
    }

    boolean isEmpty() {
        return records.isEmpty();
    }

    /** The records not handed to the writer. */
    int waiting() {
        return records.size() - handed;
    }

    /** How long the oldest waiting record has waited, in milliseconds. */
    long ageMs() {
        return waiting() == 0 ? 0 : (System.nanoTime() - waitingSinceNanos) / 1_000_000;
    }

    /**
     * The oldest {@code n} records (all when fewer), in the order they came, now handed to the writer until
     * {@link #written} or {@link #notWritten}; only when none is handed. Those left waiting came with the last put.
     */
    List<SinkRecord> handOver(int n) {
        if (handed > 0) {
            throw new IllegalStateException(handed + " records are being written already");
        }
        List<SinkRecord> batch = List.copyOf(records.subList(0, Math.min(n, records.size())));
        handed = batch.size();
        handedSinceNanos = waitingSinceNanos;
        waitingSinceNanos = System.nanoTime();
        return batch;
    }

    /** Forgets the handed records: they are written. */
    void written() {
        if (handed >= records.size()) {
            clear();
        } else {
            records.subList(0, handed).clear();
            handed = 0;
        }
    }

    /** The handed records wait again, ahead of the others, with the wait they had. */
    void notWritten() {
        if (handed > 0) {
            handed = 0;
            waitingSinceNanos = handedSinceNanos;
        }
    }

    void clear() {
        records.clear();
        bufferedUpTo.clear();
        handed = 0;
    }

    /**
     * Forgets the records of partitions this task no longer owns: their next owner reads them again. Only when none
     * is handed.
     */
    void drop(Collection<TopicPartition> partitions) {
        if (handed > 0) {
            throw new IllegalStateException(handed + " records are being written");
        }
        records.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.kafkaPartition())));
        partitions.forEach(bufferedUpTo::remove);
    }
}
