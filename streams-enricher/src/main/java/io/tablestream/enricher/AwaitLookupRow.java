package io.tablestream.enricher;

import io.tablestream.enricher.AwaitingRecordSerde.AwaitingRecord;
import io.tablestream.enricher.LookupSpec.JoinType;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows the versioned join of a {@code stream} lookup and decides what happens to a record that found no lookup
 * row as of its timestamp. The lookup topic does not say when a row was created, only when the source wrote it:
 * a snapshot, or a lookup topic filled after the stream topic, gives rows later timestamps than the records that
 * point to them, and rows older than {@code history.retention.ms} have no version any more. So such a record:
 * <ul>
 * <li>joins the lookup row's current version, when there is one;</li>
 * <li>otherwise, under an inner join, waits in the store {@code N-awaiting-lookup-row} until a row for its join
 * key arrives (then it is joined with it and written, with its own timestamp and headers), for at most
 * {@code wait.ms} of wall-clock time, after which it is dropped as a miss; under a left join it is written at
 * once with null lookup fields.</li>
 * </ul>
 * Every later record routed to a join key that has records waiting queues behind them, so a record never
 * overtakes an earlier version of itself; a record that moved to another join key sends a notice ahead along its
 * old one ({@link OriginalRecord#moved()}), which drops its versions waiting there, and so does the tombstone
 * deleting it, which is then written at once.
 */
final class AwaitLookupRow implements ProcessorSupplier<String, Object, String, OriginalRecord> {

    static final String STORE_SUFFIX = "-awaiting-lookup-row";
    /** Metric group and names of the records waiting (a gauge) and of those dropped after waiting (a total). */
    static final String METRIC_GROUP = "tablestream-enricher-metrics";
    static final String WAITING_METRIC = "awaiting-lookup-row";
    static final String DROPPED_METRIC = "awaiting-lookup-row-dropped-total";
    private static final Logger log = LoggerFactory.getLogger(AwaitLookupRow.class);
    private static final char SEPARATOR = '\u0000';

    /**
     * What the versioned join made of {@code input}: {@code joined} is what to write (null: nothing), unless
     * {@code missed}, when the record has a join key but found no row as of its timestamp.
     */
    record JoinOutcome(OriginalRecord input, OriginalRecord joined, boolean missed) {

        static JoinOutcome of(EnrichingJoiner joiner, OriginalRecord input, SchemaAndValue lookupRow) {
            if (input.moved()) {
                return new JoinOutcome(input, null, false);
            }
            return lookupRow == null && !input.isTombstone() && joiner.hasJoinKey(input)
                    ? new JoinOutcome(input, null, true)
                    : new JoinOutcome(input, joiner.joinRecord(input, lookupRow), false);
        }
    }

    /** A new version of a lookup row (null: deleted), read from the lookup table's updates. */
    record LookupUpdate(SchemaAndValue row) {
    }

    private final LookupSpec lookup;
    private final EnrichingJoiner joiner;
    private final String storeName;
    private final String lookupStoreName;
    private final AwaitingRecordSerde serde;

    AwaitLookupRow(LookupSpec lookup, EnrichingJoiner joiner, String lookupStoreName, AwaitingRecordSerde serde) {
        this.lookup = lookup;
        this.joiner = joiner;
        this.storeName = lookup.name() + STORE_SUFFIX;
        this.lookupStoreName = lookupStoreName;
        this.serde = serde;
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName), Serdes.String(), serde));
    }

    @Override
    public Processor<String, Object, String, OriginalRecord> get() {
        return new Waiter();
    }

    private final class Waiter implements Processor<String, Object, String, OriginalRecord> {
        private ProcessorContext<String, OriginalRecord> context;
        private KeyValueStore<String, AwaitingRecord> waiting;
        private VersionedKeyValueStore<String, SchemaAndValue> lookupRows;
        private long sequence;
        /** Entries in {@link #waiting}: while there are none, a record costs no store scan. */
        private long waitingCount;
        private Sensor waitingSensor;
        private Sensor droppedSensor;

        @Override
        public void init(ProcessorContext<String, OriginalRecord> context) {
            this.context = context;
            waiting = context.getStateStore(storeName);
            lookupRows = context.getStateStore(lookupStoreName);
            try (KeyValueIterator<String, AwaitingRecord> all = waiting.all()) {
                all.forEachRemaining(entry -> {
                    sequence = Math.max(sequence, sequenceOf(entry.key) + 1);
                    waitingCount++;
                });
            }
            Map<String, String> tags = Map.of("lookup", lookup.name(), "task", context.taskId().toString());
            String sensorPrefix = "tablestream-" + lookup.name() + "-" + context.taskId() + "-";
            waitingSensor = context.metrics().addSensor(sensorPrefix + WAITING_METRIC, Sensor.RecordingLevel.INFO);
            waitingSensor.add(new MetricName(WAITING_METRIC, METRIC_GROUP, "Records waiting for their lookup row",
                    tags), new Value());
            droppedSensor = context.metrics().addSensor(sensorPrefix + DROPPED_METRIC, Sensor.RecordingLevel.INFO);
            droppedSensor.add(new MetricName(DROPPED_METRIC, METRIC_GROUP, "Records dropped after waiting "
                    + "wait.ms for their lookup row", tags), new CumulativeSum());
            waitingSensor.record(waitingCount);
            if (lookup.waitMs() > 0) {
                Duration interval = Duration.ofMillis(Math.min(60_000, Math.max(1_000, lookup.waitMs() / 10)));
                context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::dropExpired);
            }
        }

        @Override
        public void process(Record<String, Object> record) {
            if (record.value() instanceof LookupUpdate update) {
                if (update.row() != null && waitingCount > 0) {
                    release(record.key(), update.row());
                }
                return;
            }
            JoinOutcome outcome = (JoinOutcome) record.value();
            String joinKey = record.key();
            if (outcome.input().moved()) {
                dropOlderVersions(joinKey, outcome.input().key());
                return;
            }
            if (outcome.input().isTombstone()) {
                // The versions of its key waiting here were never written, and it deletes them: they are dropped
                // and it is written at once. Queued behind them it would be written whenever they left, possibly
                // after a re-insert of its key that went another way (the route is forgotten with the delete),
                // and delete that.
                dropOlderVersions(joinKey, outcome.input().key());
                context.forward(record.withValue(outcome.input()));
                return;
            }
            if (hasWaiting(joinKey)) {
                await(joinKey, record, outcome.input());
                return;
            }
            if (!outcome.missed()) {
                if (outcome.joined() != null) {
                    context.forward(record.withValue(outcome.joined()));
                }
                return;
            }
            VersionedRecord<SchemaAndValue> current = lookupRows.get(joinKey);
            if (current != null) {
                context.forward(record.withValue(joiner.joinRecord(outcome.input(), current.value())));
            } else if (lookup.joinType() == JoinType.LEFT) {
                context.forward(record.withValue(joiner.joinRecord(outcome.input(), null)));
            } else if (lookup.waitMs() > 0) {
                await(joinKey, record, outcome.input());
            }
        }

        private boolean hasWaiting(String joinKey) {
            if (waitingCount == 0) {
                return false;
            }
            try (KeyValueIterator<String, AwaitingRecord> range = waitingFor(joinKey)) {
                return range.hasNext();
            }
        }

        private KeyValueIterator<String, AwaitingRecord> waitingFor(String joinKey) {
            return waiting.range(joinKey + SEPARATOR, joinKey + (char) (SEPARATOR + 1));
        }

        private void await(String joinKey, Record<String, Object> record, OriginalRecord original) {
            waiting.put(joinKey + SEPARATOR + String.format("%019d", sequence++), new AwaitingRecord(original,
                    record.timestamp(), record.headers(), context.currentSystemTimeMs()));
            waitingCount++;
            waitingSensor.record(waitingCount);
        }

        /** Writes every record waiting for {@code joinKey}, in arrival order, joined with {@code row}. */
        private void release(String joinKey, SchemaAndValue row) {
            List<KeyValue<String, AwaitingRecord>> released = new ArrayList<>();
            try (KeyValueIterator<String, AwaitingRecord> range = waitingFor(joinKey)) {
                range.forEachRemaining(released::add);
            }
            // Every join first: one that fails leaves them all waiting, none removed and not written.
            List<OriginalRecord> joined = new ArrayList<>(released.size());
            for (KeyValue<String, AwaitingRecord> entry : released) {
                joined.add(joiner.joinRecord(entry.value.record(), row));
            }
            for (int i = 0; i < released.size(); i++) {
                waiting.delete(released.get(i).key);
                waitingCount--;
                waitingSensor.record(waitingCount);
                AwaitingRecord awaiting = released.get(i).value;
                if (joined.get(i) != null) {
                    context.forward(new Record<>(joinKey, joined.get(i), awaiting.timestamp(), awaiting.headers()));
                }
            }
        }

        /**
         * Drops the records of input key {@code inputKey} waiting for {@code joinKey}: a later version of the key
         * went to another join key, and writing these after it would leave an older version last in the output.
         */
        private void dropOlderVersions(String joinKey, byte[] inputKey) {
            if (waitingCount == 0) {
                return;
            }
            List<String> older = new ArrayList<>();
            try (KeyValueIterator<String, AwaitingRecord> range = waitingFor(joinKey)) {
                range.forEachRemaining(entry -> {
                    if (Arrays.equals(entry.value.record().key(), inputKey)) {
                        older.add(entry.key);
                    }
                });
            }
            for (String storeKey : older) {
                waiting.delete(storeKey);
                waitingCount--;
            }
            waitingSensor.record(waitingCount);
        }

        /**
         * Drops the records that waited longer than wait.ms; a waiting tombstone (as an earlier build queued them)
         * is written, it needs no row.
         */
        private void dropExpired(long nowMs) {
            if (waitingCount == 0) {
                return;
            }
            List<KeyValue<String, AwaitingRecord>> expired = new ArrayList<>();
            try (KeyValueIterator<String, AwaitingRecord> all = waiting.all()) {
                all.forEachRemaining(entry -> {
                    if (entry.value.sinceMs() + lookup.waitMs() <= nowMs) {
                        expired.add(entry);
                    }
                });
            }
            List<String> droppedKeys = new ArrayList<>();
            for (KeyValue<String, AwaitingRecord> entry : expired) {
                waiting.delete(entry.key);
                waitingCount--;
                AwaitingRecord awaiting = entry.value;
                String joinKey = entry.key.substring(0, entry.key.lastIndexOf(SEPARATOR));
                if (awaiting.record().isTombstone()) {
                    context.forward(new Record<>(joinKey, awaiting.record(), awaiting.timestamp(),
                            awaiting.headers()));
                } else {
                    droppedKeys.add(joinKey);
                }
            }
            waitingSensor.record(waitingCount);
            droppedSensor.record(droppedKeys.size());
            if (!droppedKeys.isEmpty()) {
                // One line per punctuation: an inner join drops records without lookup row by design, but an
                // operator should see how many and which keys, e.g. a lookup topic that stopped being written.
                log.info("Dropped {} record(s) that waited lookup.wait.ms={} for their row of '{}' under an inner "
                        + "join; {} values: {}", droppedKeys.size(), lookup.waitMs(), lookup.topic(),
                        lookup.joinField(), droppedKeys.size() > 10 ? droppedKeys.subList(0, 10) + " ..."
                                : droppedKeys);
            }
        }

        @Override
        public void close() {
            context.metrics().removeSensor(waitingSensor);
            context.metrics().removeSensor(droppedSensor);
        }

        private static long sequenceOf(String storeKey) {
            return Long.parseLong(storeKey.substring(storeKey.lastIndexOf(SEPARATOR) + 1));
        }
    }
}
