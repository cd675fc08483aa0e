package io.tablestream.enricher;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lookup with {@code global} semantics: every instance keeps the whole lookup table, keyed by canonical join
 * key, in a global store, and stream records look their row up in place, without a repartition. The store is
 * filled by {@link Updater}, which Kafka Streams also runs while restoring, so restored rows get the same
 * canonical keys; a row the join cannot use is skipped with a warning there, not dead-lettered. The lookup is not
 * time-aware: a record joins the row current when it is processed.
 */
final class GlobalLookup {

    static final String STORE_SUFFIX = "-global-lookup-table";
    private static final Logger log = LoggerFactory.getLogger(GlobalLookup.class);

    private GlobalLookup() {
    }

    /**
     * Each stream record reads its row from this store, so rows are kept in the compact form (Connect JSON
     * written by an earlier build stays readable).
     */
    static StoreBuilder<KeyValueStore<String, SchemaAndValue>> store(LookupSpec lookup, CompactValueSerde values) {
        // Global stores are restored from the lookup topic itself, so they have no changelog.
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(lookup.name() + STORE_SUFFIX),
                Serdes.String(), values).withLoggingDisabled();
    }

    /** Puts each lookup row under its canonical join key; a delete (see {@link DeletesToTombstones}) removes it. */
    static final class Updater implements Processor<SchemaAndValue, SchemaAndValue, Void, Void> {
        private final LookupSpec lookup;
        private final EnrichingJoiner joiner;
        private final UnavailableColumns<SchemaAndValue> unavailable;
        private ProcessorContext<Void, Void> context;
        private KeyValueStore<String, SchemaAndValue> rows;

        Updater(LookupSpec lookup, EnrichingJoiner joiner) {
            this.lookup = lookup;
            this.joiner = joiner;
            this.unavailable = UnavailableColumns.ofLookupFields(lookup);
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            rows = context.getStateStore(lookup.name() + STORE_SUFFIX);
        }

        @Override
        public void process(Record<SchemaAndValue, SchemaAndValue> record) {
            if (DeletesToTombstones.changesNoRow(record.headers(), record.value())) {
                return;
            }
            SchemaAndValue row = DeletesToTombstones.rowOf(record.headers(), record.value());
            String joinKey;
            try {
                unavailable.check(record.headers(), row);
                joinKey = joiner.acceptLookupRecord(record.key(), row);
            } catch (DataException unusable) {
                // Kafka Streams runs this processor again over the whole topic each time it rebuilds the store: a
                // dead letter or a stop would repeat on every rebuild, for as long as the row stays in the topic.
                log.warn("Skipping a row of lookup topic '{}' the join cannot use, at {}; the lookup keeps its "
                        + "previous version of the row: {}", lookup.topic(), context.recordMetadata()
                        .map(m -> "partition " + m.partition() + " offset " + m.offset()).orElse("an unknown position"),
                        unusable.getMessage());
                return;
            }
            if (joinKey == null) {
                return;
            }
            if (row == null) {
                rows.delete(joinKey);
            } else {
                rows.put(joinKey, row);
            }
        }
    }

    /** Enriches each record with the current row of its join key; drops inner-join misses. */
    static final class Join<K> implements FixedKeyProcessor<K, OriginalRecord, OriginalRecord> {
        private final EnrichingJoiner joiner;
        private FixedKeyProcessorContext<K, OriginalRecord> context;
        private KeyValueStore<String, SchemaAndValue> rows;

        Join(EnrichingJoiner joiner) {
            this.joiner = joiner;
        }

        @Override
        public void init(FixedKeyProcessorContext<K, OriginalRecord> context) {
            this.context = context;
            rows = context.getStateStore(joiner.lookup().name() + STORE_SUFFIX);
        }

        @Override
        public void process(FixedKeyRecord<K, OriginalRecord> record) {
            OriginalRecord original = record.value();
            SchemaAndValue row = null;
            if (!original.isTombstone()) {
                String joinKey = joiner.joinKey(original.value());
                row = joinKey == null ? null : rows.get(joinKey);
            }
            OriginalRecord joined = joiner.joinRecord(original, row);
            if (joined != null) {
                context.forward(record.withValue(joined));
            }
        }
    }
}
