package io.tablestream.jdbc;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.MetricValueProvider;
import org.apache.kafka.common.metrics.PluginMetrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Registers a task's metrics so that a new instance of the task can start while the previous one is still stopping.
 * Connect starts a task again (same connector and task number, so the same metric names) without waiting for the
 * previous instance once its graceful stop has timed out (task.shutdown.graceful.timeout.ms, e.g. while the broker
 * is unreachable); that instance's metrics stay registered until it ends, and PluginMetrics neither lets another
 * instance add the same name nor remove it. So every metric is registered as a delegate that reads the value of the
 * newest instance that asked for the name: the new task starts, and the metric reports its values. When the old
 * instance ends, the worker removes the names it registered; the metric is then missing until the task starts again.
 */
public final class TaskMetricRegistration {

    /** The newest value source for each metric name (names carry the connector and task tags). */
    private static final ConcurrentMap<MetricName, MetricValueProvider<?>> NEWEST = new ConcurrentHashMap<>();

    private TaskMetricRegistration() {
    }

    public static void add(PluginMetrics metrics, MetricName name, MetricValueProvider<?> value) {
        MetricValueProvider<?> delegate = delegate(name, value); // fails for a value of neither kind, never silently
        NEWEST.put(name, value);
        try {
            metrics.addMetric(name, delegate);
        } catch (IllegalArgumentException registeredByThePreviousInstance) {
            // its delegate reads NEWEST, so it now reports this instance's value
        }
    }

    /** Removes the metric, whichever instance registered it. */
    public static void remove(PluginMetrics metrics, MetricName name) {
        NEWEST.remove(name);
        try {
            metrics.removeMetric(name);
        } catch (IllegalArgumentException notRegisteredByThisInstance) {
            // the previous instance's registration, or none: the worker removes it when that instance ends
        }
    }

    private static MetricValueProvider<?> delegate(MetricName name, MetricValueProvider<?> value) {
        if (value instanceof Measurable) {
            return (Measurable) (config, now) -> ((Measurable) NEWEST.getOrDefault(name, value)).measure(config, now);
        }
        if (value instanceof Gauge<?>) {
            return (Gauge<Object>) (config, now) -> ((Gauge<?>) NEWEST.getOrDefault(name, value)).value(config, now);
        }
        throw new IllegalArgumentException("Metric " + name.name() + ": a Measurable or a Gauge, not " + value);
    }
}
