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
 * batch.size records although the consumer hands fewer per poll. Knows how far each partition is buffered, so a
 * put Connect repeats after a retriable failure is not buffered twice.
 */
final class PendingRecords {

    private final List<SinkRecord> records = new ArrayList<>();
    private final Map<TopicPartition, Long> bufferedUpTo = new HashMap<>();
    private long oldestNanos;

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
            if (records.isEmpty()) {
                oldestNanos = System.nanoTime();
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

    /** How long the oldest record has waited, in milliseconds. */
    long ageMs() {
        return records.isEmpty() ? 0 : (System.nanoTime() - oldestNanos) / 1_000_000;
    }

    /** The oldest {@code n} records (all when fewer), in the order they came; a view until the next change. */
    List<SinkRecord> oldest(int n) {
        return records.subList(0, Math.min(n, records.size()));
    }

    /**
     * Forgets the oldest {@code n} records, once written. The rest keep their wait: the oldest of them came at most
     * one put after the written ones.
     */
    void removeOldest(int n) {
        if (n >= records.size()) {
            clear();
        } else {
            records.subList(0, n).clear();
        }
    }

    void clear() {
        records.clear();
        bufferedUpTo.clear();
    }

    /** Forgets the records of partitions this task no longer owns: their next owner reads them again. */
    void drop(Collection<TopicPartition> partitions) {
        records.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.kafkaPartition())));
        partitions.forEach(bufferedUpTo::remove);
    }
}
