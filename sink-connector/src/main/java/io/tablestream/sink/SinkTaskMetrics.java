package io.tablestream.sink;

import io.tablestream.jdbc.TaskMetricRegistration;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Meter;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sink task's metrics, registered through Connect's plugin metrics (KIP-877), so the worker publishes them in
 * JMX as {@code kafka.connect:type=plugins,connector=<name>,task=<n>}. Recorded once per put or per transaction,
 * never per record. Without a worker (unit tests) they go to a private registry nobody reads.
 */
final class SinkTaskMetrics implements AutoCloseable {

    private final Metrics privateRegistry;
    private final PluginMetrics metrics;
    /**
     * Sensor names are shared by the whole worker's registry (PluginMetricsImpl does not scope them), so two tasks
     * using the same name would share one sensor: prefix them with this task's tags.
     */
    private final String sensorScope;
    private final Sensor records;
    private final Sensor inserted;
    private final Sensor upserted;
    private final Sensor updated;
    private final Sensor deleted;
    private final Sensor flushDuration;
    private final Sensor batchSize;
    private final Sensor copyWrites;
    private final Sensor batchWrites;
    private final Sensor deadLetters;
    private final Sensor retries;
    private final Sensor unavailableColumnsInserted;
    /** Read by JMX threads: the last offset written to the database per assigned partition. */
    private final Map<TopicPartition, Long> committedOffsets = new ConcurrentHashMap<>();

    SinkTaskMetrics(PluginMetrics pluginMetrics) {
        this.privateRegistry = pluginMetrics == null ? new Metrics() : null;
        this.metrics = pluginMetrics != null ? pluginMetrics : new PluginMetricsImpl(privateRegistry, Map.of());
        sensorScope = "tablestream" + metrics.metricName("scope", "", new LinkedHashMap<>()).tags() + ".";
        records = meter("records", "records handed to the task by the worker");
        inserted = meter("rows-inserted", "records written with insert.mode=insert");
        upserted = meter("rows-upserted", "records written with insert.mode=upsert");
        updated = meter("rows-updated", "records written with insert.mode=update");
        deleted = meter("rows-deleted", "tombstones and delete events applied");
        flushDuration = metrics.addSensor(sensorScope + "flush-duration");
        flushDuration.add(name("flush-duration-avg", "average time of one write transaction, ms"), new Avg());
        flushDuration.add(name("flush-duration-max", "longest write transaction, ms"), new Max());
        batchSize = metrics.addSensor(sensorScope + "batch-size");
        batchSize.add(name("batch-size-avg", "average records per write transaction"), new Avg());
        batchSize.add(name("batch-size-max", "most records in one write transaction"), new Max());
        copyWrites = total("copy-writes-total", "write transactions that used COPY");
        batchWrites = total("batch-writes-total", "write transactions that used a JDBC batch");
        deadLetters = total("dead-letter-records-total", "records reported to the dead-letter queue / error log");
        retries = total("retries-total", "puts retried after a transient database error");
        unavailableColumnsInserted = total("unavailable-columns-inserted-total", "rows inserted by changes that "
                + "did not carry all their columns (unchanged TOASTed values), those columns left to their defaults");
    }

    void recordsReceived(int count) {
        records.record(count);
    }

    /** One committed transaction of {@code rows} records, {@code deletes} of them deletes. */
    void written(InsertMode mode, WriteMethod method, int rows, int deletes, long durationMs) {
        int writes = rows - deletes;
        if (writes > 0) {
            (switch (mode) {
                case INSERT -> inserted;
                case UPSERT -> upserted;
                case UPDATE -> updated;
            }).record(writes);
        }
        if (deletes > 0) {
            deleted.record(deletes);
        }
        flushDuration.record(durationMs);
        batchSize.record(rows);
        (method == WriteMethod.COPY ? copyWrites : batchWrites).record(1);
    }

    void deadLettered() {
        deadLetters.record(1);
    }

    void unavailableColumnsInserted(int rows) {
        unavailableColumnsInserted.record(rows);
    }

    void retried() {
        retries.record(1);
    }

    /**
     * The partitions' last offsets in the database (written rows and their stored offsets commit together): a
     * {@code last-committed-offset} gauge tagged topic and partition appears on a partition's first offset and
     * follows the map; call after every put and every partition open.
     */
    void committedOffsets(Map<TopicPartition, Long> offsets) {
        offsets.forEach((tp, offset) -> {
            if (committedOffsets.put(tp, offset) == null) {
                TaskMetricRegistration.add(metrics, offsetName(tp),
                        (Gauge<Long>) (config, now) -> committedOffsets.getOrDefault(tp, -1L));
            }
        });
    }

    /** The partitions left this task: their gauges go, a new owner reports them. */
    void partitionsClosed(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            if (committedOffsets.remove(tp) != null) {
                TaskMetricRegistration.remove(metrics, offsetName(tp));
            }
        }
    }

    private MetricName offsetName(TopicPartition tp) {
        LinkedHashMap<String, String> tags = new LinkedHashMap<>();
        tags.put("topic", tp.topic());
        tags.put("partition", String.valueOf(tp.partition()));
        return metrics.metricName("last-committed-offset", "the last offset of this partition written to the "
                + "database, as stored in offsets.table.name with exactly.once", tags);
    }

    private Sensor meter(String name, String description) {
        Sensor sensor = metrics.addSensor(sensorScope + name);
        sensor.add(new Meter(name(name + "-rate", description + ", per second"),
                name(name + "-total", description + ", since the task started")));
        return sensor;
    }

    private Sensor total(String name, String description) {
        Sensor sensor = metrics.addSensor(sensorScope + name);
        sensor.add(name(name, description), new CumulativeSum());
        return sensor;
    }

    private MetricName name(String name, String description) {
        return metrics.metricName(name, description, new LinkedHashMap<>());
    }

    /** The worker removes plugin metrics itself when the task stops; only a private registry is ours to close. */
    @Override
    public void close() {
        if (privateRegistry != null) {
            privateRegistry.close();
        }
    }
}
