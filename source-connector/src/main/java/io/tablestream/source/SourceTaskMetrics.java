package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.TaskMetricRegistration;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.MetricValueProvider;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Meter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The source task's metrics, registered through Connect's plugin metrics (KIP-877), so the worker publishes them in
 * JMX as {@code kafka.connect:type=plugins,connector=<name>,task=<n>} (per-table ones add {@code table=<schema.table>}).
 * Recorded once per poll; acknowledgements only bump a counter. Without a worker (unit tests) they go to a private
 * registry nobody reads.
 */
public final class SourceTaskMetrics implements AutoCloseable {

    private final Metrics privateRegistry;
    private final PluginMetrics metrics;
    /**
     * Sensor names are shared by the whole worker's registry (PluginMetricsImpl does not scope them), so two tasks
     * using the same name would share one sensor: prefix them with this task's tags.
     */
    private final String sensorScope;
    private final Sensor rowsRead;
    private final Sensor pollDuration;
    private final LongAdder produced = new LongAdder();
    private volatile long lastPollMs = -1;

    public SourceTaskMetrics(PluginMetrics pluginMetrics) {
        this.privateRegistry = pluginMetrics == null ? new Metrics() : null;
        this.metrics = pluginMetrics != null ? pluginMetrics : new PluginMetricsImpl(privateRegistry, Map.of());
        sensorScope = "tablestream" + metrics.metricName("scope", "", new LinkedHashMap<>()).tags() + ".";
        rowsRead = metrics.addSensor(sensorScope + "rows-read");
        rowsRead.add(new Meter(name("rows-read-rate", "rows read from PostgreSQL per second", Map.of()),
                name("rows-read-total", "rows read from PostgreSQL since the task started", Map.of())));
        pollDuration = metrics.addSensor(sensorScope + "poll-duration");
        pollDuration.add(name("poll-duration-avg", "average time of one query against PostgreSQL, ms", Map.of()), new Avg());
        pollDuration.add(name("poll-duration-max", "longest query against PostgreSQL, ms", Map.of()), new Max());
        TaskMetricRegistration.add(metrics, name("records-produced-total",
                "records the broker acknowledged since the task started", Map.of()),
                (Measurable) (config, now) -> produced.sum());
        TaskMetricRegistration.add(metrics, name("last-poll-time",
                "when the task last queried PostgreSQL, epoch ms (-1: never)", Map.of()),
                (Measurable) (config, now) -> lastPollMs);
    }

    /** One query that read {@code rows} rows in {@code durationMs}, finished at {@code nowMs}. */
    public void polled(int rows, long durationMs, long nowMs) {
        rowsRead.record(rows);
        pollDuration.record(durationMs);
        lastPollMs = nowMs;
    }

    public void produced() {
        produced.increment();
    }

    /** Publishes a task-level value computed when read, e.g. the last LSN Kafka acknowledged in mode=cdc. */
    public void addGauge(String name, String description, Measurable value) {
        TaskMetricRegistration.add(metrics, name(name, description, Map.of()), value);
    }

    /**
     * Publishes a value of one table computed when read, e.g. its snapshot progress in mode=cdc: a
     * {@link Measurable} (a number) or a {@link org.apache.kafka.common.metrics.Gauge} (e.g. a state's name).
     */
    public void addTableGauge(TableId table, String name, String description, MetricValueProvider<?> value) {
        TaskMetricRegistration.add(metrics, name(name, description, Map.of("table", table.toString())), value);
    }

    /** Publishes {@code newest-row-age-ms} for a table polled by a timestamp column. */
    void addTableLag(TableId table, Measurable ageMs) {
        TaskMetricRegistration.add(metrics, tableLag(table), ageMs);
    }

    void removeTableLag(TableId table) {
        TaskMetricRegistration.remove(metrics, tableLag(table)); // none if the table is not polled by timestamp
    }

    private MetricName tableLag(TableId table) {
        return name("newest-row-age-ms", "age of the newest timestamp read from the table, ms (NaN: none read yet)",
                Map.of("table", table.toString()));
    }

    private MetricName name(String name, String description, Map<String, String> tags) {
        return metrics.metricName(name, description, new LinkedHashMap<>(tags));
    }

    /** The worker removes plugin metrics itself when the task stops; only a private registry is ours to close. */
    @Override
    public void close() {
        if (privateRegistry != null) {
            privateRegistry.close();
        }
    }
}
