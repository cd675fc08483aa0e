package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SourceTaskMetricsTest {

    private static final Map<String, String> TASK = new LinkedHashMap<>(Map.of("connector", "orders-source", "task", "1"));

    private final Metrics registry = new Metrics();
    private final SourceTaskMetrics metrics = new SourceTaskMetrics(new PluginMetricsImpl(registry, TASK));

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void countsRowsPollsAndAcknowledgements() {
        assertEquals(-1.0, value("last-poll-time", TASK));
        metrics.polled(100, 40, 1_700_000_000_000L);
        metrics.polled(0, 10, 1_700_000_001_000L);
        metrics.produced();
        metrics.produced();

        assertEquals(100.0, value("rows-read-total", TASK));
        assertEquals(2.0, value("records-produced-total", TASK));
        assertEquals(40.0, value("poll-duration-max", TASK));
        assertEquals(25.0, value("poll-duration-avg", TASK));
        assertEquals(1_700_000_001_000.0, value("last-poll-time", TASK));
    }

    @Test
    void tableLagIsTaggedWithTheTableAndRemovedWithIt() {
        TableId table = TableId.parse("shop.orders");
        metrics.addTableLag(table, (config, now) -> 1234.0);
        Map<String, String> tags = new LinkedHashMap<>(TASK);
        tags.put("table", "shop.orders");
        assertEquals(1234.0, value("newest-row-age-ms", tags));

        metrics.removeTableLag(table);
        metrics.removeTableLag(table); // a second removal (or a table without the metric) is harmless
        assertNull(registry.metric(registry.metricName("newest-row-age-ms", "plugins", tags)));
    }

    @Test
    void aNewInstanceOfTheTaskStartsWhileTheOldOneIsStillStopping() {
        // Connect starts the task again after a graceful stop timed out: the old instance's metrics are still there.
        SourceTaskMetrics next = new SourceTaskMetrics(new PluginMetricsImpl(registry, TASK));
        next.produced();
        next.addGauge("last-acknowledged-lsn", "the LSN", (config, now) -> 42.0);
        metrics.addGauge("last-acknowledged-lsn", "the LSN", (config, now) -> 41.0);
        SourceTaskMetrics third = new SourceTaskMetrics(new PluginMetricsImpl(registry, TASK));
        third.addGauge("last-acknowledged-lsn", "the LSN", (config, now) -> 43.0);

        assertEquals(0.0, value("records-produced-total", TASK), "the newest instance's counter");
        assertEquals(43.0, value("last-acknowledged-lsn", TASK));
    }

    private double value(String name, Map<String, String> tags) {
        return (double) registry.metric(registry.metricName(name, "plugins", tags)).metricValue();
    }
}
