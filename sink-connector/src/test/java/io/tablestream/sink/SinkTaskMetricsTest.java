package io.tablestream.sink;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SinkTaskMetricsTest {

    private static final Map<String, String> TASK = new LinkedHashMap<>(Map.of("connector", "orders-sink", "task", "0"));

    private final Metrics registry = new Metrics();
    private final SinkTaskMetrics metrics = new SinkTaskMetrics(new PluginMetricsImpl(registry, TASK));

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void countsRowsByOperationAndWriteMethod() {
        metrics.recordsReceived(10);
        metrics.written(InsertMode.UPSERT, WriteMethod.COPY, 6, 2, 30);
        metrics.written(InsertMode.INSERT, WriteMethod.BATCH, 3, 0, 10);

        assertEquals(10.0, value("records-total"));
        assertEquals(4.0, value("rows-upserted-total"));
        assertEquals(2.0, value("rows-deleted-total"));
        assertEquals(3.0, value("rows-inserted-total"));
        assertEquals(0.0, value("rows-updated-total"));
        assertEquals(1.0, value("copy-writes-total"));
        assertEquals(1.0, value("batch-writes-total"));
        assertEquals(6.0, value("batch-size-max"));
        assertEquals(4.5, value("batch-size-avg"));
        assertEquals(30.0, value("flush-duration-max"));
        assertEquals(20.0, value("flush-duration-avg"));
    }

    @Test
    void countsDeadLettersAndRetries() {
        metrics.deadLettered();
        metrics.deadLettered();
        metrics.retried();

        assertEquals(2.0, value("dead-letter-records-total"));
        assertEquals(1.0, value("retries-total"));
    }

    @Test
    void twoTasksOnOneWorkerCountSeparately() {
        Map<String, String> other = new LinkedHashMap<>(Map.of("connector", "orders-sink", "task", "1"));
        SinkTaskMetrics second = new SinkTaskMetrics(new PluginMetricsImpl(registry, other));
        metrics.recordsReceived(5);
        second.recordsReceived(7);

        assertEquals(5.0, value("records-total"));
        assertEquals(7.0, (double) registry.metric(registry.metricName("records-total", "plugins", other)).metricValue());
    }

    @Test
    void registersUnderThePluginsGroupWithTheTaskTags() {
        KafkaMetric metric = registry.metric(registry.metricName("records-total", "plugins", TASK));
        assertEquals(Map.of("connector", "orders-sink", "task", "0"), metric.metricName().tags());
    }

    @Test
    void lastCommittedOffsetPerPartitionFollowsTheWrittenOffsetsUntilThePartitionCloses() {
        TopicPartition orders0 = new TopicPartition("orders", 0);
        TopicPartition orders1 = new TopicPartition("orders", 1);
        metrics.committedOffsets(Map.of(orders0, 41L));
        metrics.committedOffsets(Map.of(orders0, 99L, orders1, 7L));

        assertEquals(99L, offset(orders0));
        assertEquals(7L, offset(orders1));
        metrics.partitionsClosed(List.of(orders0));
        assertNull(registry.metric(offsetName(orders0)), "a closed partition's gauge is removed");
        assertEquals(7L, offset(orders1));
        metrics.committedOffsets(Map.of(orders0, 120L));
        assertEquals(120L, offset(orders0), "reopened");
    }

    private MetricName offsetName(TopicPartition tp) {
        Map<String, String> tags = new LinkedHashMap<>(TASK);
        tags.put("topic", tp.topic());
        tags.put("partition", String.valueOf(tp.partition()));
        return registry.metricName("last-committed-offset", "plugins", tags);
    }

    private long offset(TopicPartition tp) {
        return (long) registry.metric(offsetName(tp)).metricValue();
    }

    private double value(String name) {
        return (double) registry.metric(registry.metricName(name, "plugins", TASK)).metricValue();
    }
}
