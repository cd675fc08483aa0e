package io.tablestream.enricher;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Sits right before the versioned lookup table and makes every lookup row the current version of its key, as the
 * lookup topic orders them. The table's store (KIP-914) does not, in two cases:
 * <ul>
 * <li>It skips, with a warning that names nothing, a write whose timestamp is older than its history retention
 * behind the newest timestamp it has taken, of any key. The lookup topic's partitions are read independently, so at
 * a first start one partition's recent rows often reach the store before another partition's rows that have not
 * changed for hours, which are the current versions of their keys.</li>
 * <li>It files a row older than its key's latest version into the key's history, where it never becomes current.
 * One key's rows are in one partition in the order their source wrote them, but their timestamps may go backwards:
 * a CDC source stamps a snapshot row with its read time and a change streamed after it with its commit time, which
 * can be earlier.</li>
 * </ul>
 * The store's clock is the newest lookup row timestamp of this task (the store takes every row at or after its
 * cut-off, and this processor never writes one later than that or than the key's latest version): it is kept here,
 * in {@code N-lookup-clock}, from lookup rows only, so a stream record with a far-future timestamp does not move it.
 * A row older than the cut-off (clock minus {@code history.retention.ms}) or than its key's latest version goes on
 * stamped with the later of the two, which the store takes as the key's current version; the table writes it and
 * passes it on as usual, so records waiting for it are released. Records stamped between its own time and that
 * later one join the version before it, the price of a store that orders versions by time.
 * <p>
 * A replay after a failure ({@code at_least_once}) is read in its original order, so the newest row of a key is
 * replayed last and ends current again.
 */
final class ExpiredLookupRows implements FixedKeyProcessorSupplier<String, SchemaAndValue, SchemaAndValue> {

    static final String CLOCK_STORE_SUFFIX = "-lookup-clock";
    private static final Logger log = LoggerFactory.getLogger(ExpiredLookupRows.class);
    private static final String CLOCK_KEY = "newest-lookup-row";

    private final LookupSpec lookup;
    private final String lookupStoreName;

    ExpiredLookupRows(LookupSpec lookup, String lookupStoreName) {
        this.lookup = lookup;
        this.lookupStoreName = lookupStoreName;
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        // Cached: the clock changes with nearly every row, its changelog needs only its value at each commit.
        return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(lookup.name() + CLOCK_STORE_SUFFIX),
                Serdes.String(), Serdes.Long()).withCachingEnabled());
    }

    @Override
    public FixedKeyProcessor<String, SchemaAndValue, SchemaAndValue> get() {
        return new Mover();
    }

    private final class Mover implements FixedKeyProcessor<String, SchemaAndValue, SchemaAndValue> {
        private FixedKeyProcessorContext<String, SchemaAndValue> context;
        private VersionedKeyValueStore<String, SchemaAndValue> rows;
        private KeyValueStore<String, Long> clock;
        private long newest = Long.MIN_VALUE;

        @Override
        public void init(FixedKeyProcessorContext<String, SchemaAndValue> context) {
            this.context = context;
            rows = context.getStateStore(lookupStoreName);
            clock = context.getStateStore(lookup.name() + CLOCK_STORE_SUFFIX);
            Long stored = clock.get(CLOCK_KEY);
            newest = stored == null ? Long.MIN_VALUE : stored;
        }

        @Override
        public void process(FixedKeyRecord<String, SchemaAndValue> record) {
            long timestamp = record.timestamp();
            if (timestamp > newest) {
                newest = timestamp;
                clock.put(CLOCK_KEY, newest);
            }
            long at = Math.max(timestamp, newest - lookup.historyRetentionMs());
            VersionedRecord<SchemaAndValue> latest = rows.get(record.key());
            if (latest != null && latest.timestamp() > at) {
                at = latest.timestamp(); // the same timestamp replaces that version
            }
            if (at == timestamp) {
                context.forward(record);
                return;
            }
            log.debug("The row of '{}' with key {} at {} would not be its key's current version in the table: written"
                    + " as of {}", lookup.topic(), record.key(), timestamp, at);
            context.forward(record.withTimestamp(at));
        }
    }
}
