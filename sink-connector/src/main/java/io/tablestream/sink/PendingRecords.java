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

    /** Adds the records of one put, but those already buffered. */
    void add(Collection<SinkRecord> put) {
        for (SinkRecord record : put) {
            TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
            Long buffered = bufferedUpTo.get(tp);
            if (buffered != null && record.kafkaOffset() <= buffered) {
                continue;
            }
            if (records.isEmpty()) {
                oldestNanos = System.nanoTime();
            }
            records.add(record);
            bufferedUpTo.put(tp, record.kafkaOffset());
        }
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
