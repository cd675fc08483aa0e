package io.tablestream.sink;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(List.of(1L, 5L, 2L), pending.handOver(3).stream().map(SinkRecord::kafkaOffset).toList());
        assertEquals(1, pending.waiting());
        pending.written();
        assertEquals(List.of(6L), offsets(pending));
        pending.add(List.of(rec("t", 1, 6), rec("t", 1, 7)), false); // 6 handed again after a retriable failure
        assertEquals(List.of(6L, 7L), offsets(pending));
        assertEquals(List.of(6L, 7L), pending.handOver(10).stream().map(SinkRecord::kafkaOffset).toList());
        assertEquals(0, pending.waiting());
        pending.written();
        assertEquals(0, pending.size());
        assertEquals(0, pending.ageMs());
    }

    @Test
    void recordsArrivingWhileABatchIsWrittenWaitBehindIt() {
        PendingRecords pending = new PendingRecords();
        pending.add(List.of(rec("t", 0, 1), rec("t", 0, 2)), false);
        List<SinkRecord> batch = pending.handOver(5);
        pending.add(List.of(rec("t", 0, 2), rec("t", 0, 3), rec("t", 0, 4)), false); // 2 is being written
        assertEquals(List.of(1L, 2L), batch.stream().map(SinkRecord::kafkaOffset).toList());
        assertEquals(2, pending.waiting());
        assertThrows(IllegalStateException.class, () -> pending.handOver(5), "one batch in flight at a time");
        assertThrows(IllegalStateException.class, () -> pending.drop(List.of(new TopicPartition("t", 0))),
                "a partition's records are not dropped under the writer");
        pending.written();
        assertEquals(List.of(3L, 4L), offsets(pending));
        assertEquals(2, pending.waiting());
    }

    @Test
    void aBatchNotWrittenWaitsAgainFirstWithItsAge() throws InterruptedException {
        PendingRecords pending = new PendingRecords();
        pending.add(List.of(rec("t", 0, 1), rec("t", 0, 2)), false);
        Thread.sleep(30);
        pending.handOver(5);
        pending.add(List.of(rec("t", 0, 3)), false);
        pending.notWritten();
        assertEquals(3, pending.waiting());
        assertTrue(pending.ageMs() >= 30, "the batch keeps its wait: " + pending.ageMs());
        assertEquals(List.of(1L, 2L, 3L), pending.handOver(5).stream().map(SinkRecord::kafkaOffset).toList());
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
