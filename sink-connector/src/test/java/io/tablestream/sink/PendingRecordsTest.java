package io.tablestream.sink;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PendingRecordsTest {

    private static SinkRecord rec(String topic, int partition, long offset) {
        return TestRecords.record(topic, partition, offset, null, null, Schema.STRING_SCHEMA, "v" + offset);
    }

    private static List<Long> offsets(PendingRecords pending) {
        return pending.records().stream().map(SinkRecord::kafkaOffset).toList();
    }

    @Test
    void aBatchHandedAgainAfterARetriableFailureIsNotBufferedTwice() {
        PendingRecords pending = new PendingRecords();
        pending.add(List.of(rec("t", 0, 1), rec("t", 0, 2)), false);
        pending.add(List.of(rec("t", 0, 3), rec("t", 1, 7)), false);
        pending.add(List.of(rec("t", 0, 3), rec("t", 1, 7)), false); // the same batch again
        assertEquals(List.of(1L, 2L, 3L, 7L), offsets(pending));
    }

    @Test
    void droppedPartitionsLeaveTheOthersInOrder() {
        PendingRecords pending = new PendingRecords();
        pending.add(List.of(rec("t", 0, 1), rec("t", 1, 5), rec("t", 0, 2), rec("t", 1, 6)), false);
        pending.drop(List.of(new TopicPartition("t", 1)));
        assertEquals(List.of(1L, 2L), offsets(pending));
        pending.add(List.of(rec("t", 1, 5)), false); // read again by this task after the partition came back
        assertEquals(List.of(1L, 2L, 5L), offsets(pending));
        pending.clear();
        assertEquals(0, pending.size());
        assertEquals(0, pending.ageMs());
    }

    @Test
    void writingTheOldestRecordsKeepsTheRestBufferedOnce() {
        PendingRecords pending = new PendingRecords();
        pending.add(List.of(rec("t", 0, 1), rec("t", 1, 5), rec("t", 0, 2), rec("t", 1, 6)), false);
        assertEquals(List.of(1L, 5L, 2L), pending.oldest(3).stream().map(SinkRecord::kafkaOffset).toList());
        pending.removeOldest(3);
        assertEquals(List.of(6L), offsets(pending));
        pending.add(List.of(rec("t", 1, 6), rec("t", 1, 7)), false); // 6 handed again after a retriable failure
        assertEquals(List.of(6L, 7L), offsets(pending));
        assertEquals(List.of(6L, 7L), pending.oldest(10).stream().map(SinkRecord::kafkaOffset).toList());
        pending.removeOldest(2);
        assertEquals(0, pending.size());
        assertEquals(0, pending.ageMs());
    }

    @Test
    void aPlainCopyKeepsEverythingButTheConsumedBytes() {
        SinkRecord record = rec("t", 3, 42);
        SinkRecord copy = PendingRecords.withoutConsumedBytes(record);
        assertEquals(record, copy);
        assertEquals(record.originalKafkaOffset(), copy.originalKafkaOffset());
        PendingRecords pending = new PendingRecords();
        pending.add(List.of(record), true);
        assertEquals(record, pending.records().get(0));
    }
}
