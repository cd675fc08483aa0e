package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkWriterTest {

    private static final Schema UUID_ROW = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("ref",
            SchemaBuilder.string().name("io.tablestream.data.Uuid").build()).build();

    private static SinkOp badOp(long offset) {
        SinkRecord bad = TestRecords.record("items", 0, offset, null, null, UUID_ROW,
                new Struct(UUID_ROW).put("id", (int) offset).put("ref", "not-a-uuid"));
        return new SinkOp(bad, bad, false);
    }

    /** Records which thread reported what; Connect's own reporter is only safe on the task thread. */
    private static final class ThreadRecordingReporter implements ErrantRecordReporter {
        final List<String> threads = new ArrayList<>();
        final List<Long> offsets = new ArrayList<>();

        @Override
        public synchronized Future<Void> report(SinkRecord record, Throwable error) {
            threads.add(Thread.currentThread().getName());
            offsets.add(record.kafkaOffset());
            return CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void deadLetterReportsAreMadeOnTheTaskThread() {
        ThreadRecordingReporter reporter = new ThreadRecordingReporter();
        assertNull(writeBadRecords(reporter).failure());
        assertEquals(List.of(3L, 4L, 5L), reporter.offsets);
        String task = Thread.currentThread().getName();
        assertEquals(List.of(task, task, task), reporter.threads, "every report made on the task thread");
    }

    /** Writes three bad records on a writer thread, waiting for it on this thread as the task does. */
    private static WriterThread.Outcome writeBadRecords(ErrantRecordReporter reporter) {
        SinkOp first = badOp(3);
        WritePlan plan = WritePlan.create(TestRecords.config(), TableId.parse("items"), first.original());
        Map<TopicPartition, Long> written = new HashMap<>();
        try (WriterThread writerThread = new WriterThread("test-writer")) {
            ChunkWriter chunkWriter = new ChunkWriter(new TableWriter(false, WriteMethod.BATCH), null,
                    new DeadLetterReporter(() -> reporter, writerThread), new SinkTaskMetrics(null));
            // every value is bad: nothing reaches the database, so no connection is needed
            writerThread.submit(() -> {
                chunkWriter.write(null, plan, List.of(first, badOp(4), badOp(5)), written);
                chunkWriter.awaitReports();
            }, 3);
            return writerThread.await();
        }
    }

    @Test
    void aFailureOfTheReportCallOnTheTaskThreadFailsTheBatchAsItIs() {
        ConnectException toleranceExceeded = new ConnectException("Tolerance exceeded in error handler");
        WriterThread.Outcome outcome = writeBadRecords((record, error) -> {
            throw toleranceExceeded;
        });
        assertSame(toleranceExceeded, outcome.failure());
    }

    @Test
    void aReportTheDeadLetterQueueDoesNotStoreFailsTheBatch() {
        WriterThread.Outcome outcome = writeBadRecords((record, error) ->
                CompletableFuture.failedFuture(new IllegalStateException("topic authorization failed")));
        assertTrue(outcome.failure().getMessage().contains("could not be stored in the dead-letter queue")
                && outcome.failure().getMessage().contains("topic authorization failed"), outcome.failure().getMessage());
    }
}
