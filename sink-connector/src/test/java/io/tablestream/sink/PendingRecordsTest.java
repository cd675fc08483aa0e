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
        pending.add(List.of(rec("t", 0, 1), rec("t", 0, 2)));
        pending.add(List.of(rec("t", 0, 3), rec("t", 1, 7)));
        pending.add(List.of(rec("t", 0, 3), rec("t", 1, 7))); // the same batch again
        assertEquals(List.of(1L, 2L, 3L, 7L), offsets(pending));
    }

    @Test
    void droppedPartitionsLeaveTheOthersInOrder() {
        PendingRecords pending = new PendingRecords();
        pending.add(List.of(rec("t", 0, 1), rec("t", 1, 5), rec("t", 0, 2), rec("t", 1, 6)));
        pending.drop(List.of(new TopicPartition("t", 1)));
        assertEquals(List.of(1L, 2L), offsets(pending));
        pending.add(List.of(rec("t", 1, 5))); // read again by this task after the partition came back
        assertEquals(List.of(1L, 2L, 5L), offsets(pending));
        pending.clear();
        assertEquals(0, pending.size());
        assertEquals(0, pending.ageMs());
    }
}
