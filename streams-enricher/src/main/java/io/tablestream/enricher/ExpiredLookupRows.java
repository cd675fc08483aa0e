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

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Sits right before the versioned lookup table and moves up the timestamp of a lookup row the table's store would
 * skip. That store (KIP-914) skips, with a warning that names nothing, a write whose timestamp is older than its
 * history retention behind the newest timestamp it has taken, of any key; the lookup topic's partitions are read
 * independently, so at a first start one partition's recent rows often reach the store before another partition's
 * rows that have not changed for hours, which are the current versions of their keys.
 * <p>
 * The store's clock is the newest lookup row timestamp of this task (the store takes every row at or after its
 * cut-off, and this processor never writes one later than that): it is kept here, in {@code N-lookup-clock}, from
 * lookup rows only, so a stream record with a far-future timestamp does not move it. A row older than the cut-off
 * (clock minus {@code history.retention.ms}) goes on stamped with the cut-off, which the store takes; the table
 * writes it and passes it on as usual, so records waiting for it are released. Its exact time is past the history
 * anyway: records older than the history join the current row.
 * <p>
 * A row never replaces a newer version of its key: the rows of one key arrive in order (one key, one partition of
 * the lookup topic), so an older one is a replay after a failure ({@code at_least_once}) and is dropped. A version
 * written at the cut-off is remembered with its own timestamp in {@code N-moved-lookup-rows}, so the next row of its
 * key, whose own timestamp may be older than that cut-off, still replaces it.
 */
final class ExpiredLookupRows implements FixedKeyProcessorSupplier<String, SchemaAndValue, SchemaAndValue> {

    static final String CLOCK_STORE_SUFFIX = "-lookup-clock";
    static final String MOVED_STORE_SUFFIX = "-moved-lookup-rows";
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
        return Set.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(lookup.name() + CLOCK_STORE_SUFFIX),
                        Serdes.String(), Serdes.Long()).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(lookup.name() + MOVED_STORE_SUFFIX),
                        Serdes.String(), Serdes.ByteArray()));
    }

    @Override
    public FixedKeyProcessor<String, SchemaAndValue, SchemaAndValue> get() {
        return new Mover();
    }

    private final class Mover implements FixedKeyProcessor<String, SchemaAndValue, SchemaAndValue> {
        private FixedKeyProcessorContext<String, SchemaAndValue> context;
        private VersionedKeyValueStore<String, SchemaAndValue> rows;
        private KeyValueStore<String, Long> clock;
        private KeyValueStore<String, byte[]> moved;
        private long newest = Long.MIN_VALUE;

        @Override
        public void init(FixedKeyProcessorContext<String, SchemaAndValue> context) {
            this.context = context;
            rows = context.getStateStore(lookupStoreName);
            clock = context.getStateStore(lookup.name() + CLOCK_STORE_SUFFIX);
            moved = context.getStateStore(lookup.name() + MOVED_STORE_SUFFIX);
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
            long cutOff = newest - lookup.historyRetentionMs();
            if (timestamp >= cutOff) {
                context.forward(record);
                return;
            }
            VersionedRecord<SchemaAndValue> latest = rows.get(record.key());
            long at = cutOff;
            if (latest != null && latest.timestamp() > timestamp) {
                byte[] movedRow = moved.get(record.key());
                boolean latestMovedHere = movedRow != null && movedAt(movedRow) == latest.timestamp();
                if (!latestMovedHere || originalTimestamp(movedRow) > timestamp) {
                    log.debug("The row of '{}' with key {} at {} is older than the version at {} the table holds: "
                            + "a replay, dropped", lookup.topic(), record.key(), timestamp, latest.timestamp());
                    return;
                }
                at = Math.max(cutOff, latest.timestamp());
            }
            log.debug("The row of '{}' with key {} at {} is older than {} ms behind the newest lookup row: written "
                    + "as of {}", lookup.topic(), record.key(), timestamp, lookup.historyRetentionMs(), at);
            moved.put(record.key(), ByteBuffer.allocate(2 * Long.BYTES).putLong(timestamp).putLong(at).array());
            context.forward(record.withTimestamp(at));
        }

        private static long originalTimestamp(byte[] movedRow) {
            return ByteBuffer.wrap(movedRow).getLong(0);
        }

        private static long movedAt(byte[] movedRow) {
            return ByteBuffer.wrap(movedRow).getLong(Long.BYTES);
        }
    }
}
