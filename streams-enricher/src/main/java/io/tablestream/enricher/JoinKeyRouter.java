package io.tablestream.enricher;

import io.tablestream.enricher.LookupSpec.JoinType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Base64;
import java.util.Set;

/**
 * Re-keys input records by their canonical join key and wraps them, original key included, in an
 * {@link OriginalRecord} for the repartition topic.
 * <p>
 * Records that carry no join key (tombstones; deletes that carry only the key, as a CDC source sends them under
 * {@code REPLICA IDENTITY DEFAULT}; a null join field under a left join) need no lookup, but they must not overtake
 * the earlier records of the same input key, which went through the repartition topic: a tombstone written
 * elsewhere could reach the sink before the upsert it deletes. The only partition that keeps it behind them is the
 * one their join key chose, and nothing in such a record names it, so the router remembers, per input key, the
 * repartition key it used last ({@code N-last-route-by-input-key}: key bytes and join key, removed by a tombstone)
 * and sends such records the same way. When a key's join key changes, a notice that it moved goes the old way
 * first, so its versions still waiting there for their lookup row are dropped rather than written after the new
 * version ({@link AwaitLookupRow}); a version without join key under an inner join sends it once, and marks the
 * entry so the versions after it (dropped too) do not send it again.
 * <p>
 * That memory costs a store read, write and changelog record per new input key (about a quarter of the CPU an
 * order costs), and no cheaper structure gives the same guarantee: the route must be written when the record that
 * has the join key passes, since the later keyless record cannot find it anywhere else, and whether such a record
 * will come is not known then. Sending it to every partition instead would keep it behind its upserts, but its
 * copies could then overtake a later re-insert of the key in another partition and delete it; and no per-partition
 * summary can tell one key's partition without storing it per key. So for an input that has no such records (no
 * deletes, join field never null: e.g. a stream of events) {@code remember.routes=false} drops the store, and a
 * record that carries no join key is then a bad record (dead-lettered or stopping the app) rather than routed where
 * it might overtake what it replaces.
 */
final class JoinKeyRouter implements ProcessorSupplier<Object, OriginalRecord, String, OriginalRecord> {

    static final String STORE_SUFFIX = "-last-route-by-input-key";
    /**
     * Prefixes the route of a key whose last version had no join key (inner join) and whose notice was sent: a
     * canonical join key never starts with it (it is not text a column holds).
     */
    static final String MOVED_AWAY_MARKER = "\u0000moved\u0000";

    private static final Logger log = LoggerFactory.getLogger(JoinKeyRouter.class);

    /** Computes the join keys; its lookup and input topic are the router's too. */
    private final EnrichingJoiner joiner;
    private final String storeName;

    JoinKeyRouter(EnrichingJoiner joiner) {
        this.joiner = joiner;
        this.storeName = joiner.lookup().name() + STORE_SUFFIX;
    }

    @Override
    public Set<StoreBuilder<?>> stores() {
        if (!joiner.lookup().rememberRoutes()) {
            return Set.of();
        }
        return Set.of(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(storeName), Serdes.Bytes(), Serdes.String()));
    }

    @Override
    public Processor<Object, OriginalRecord, String, OriginalRecord> get() {
        return new Router();
    }

    private final class Router implements Processor<Object, OriginalRecord, String, OriginalRecord> {
        private ProcessorContext<String, OriginalRecord> context;
        private KeyValueStore<Bytes, String> lastRoutes;

        @Override
        public void init(ProcessorContext<String, OriginalRecord> context) {
            this.context = context;
            this.lastRoutes = joiner.lookup().rememberRoutes() ? context.getStateStore(storeName) : null;
        }

        @Override
        public void process(Record<Object, OriginalRecord> record) {
            byte[] key = record.value().key();
            Bytes storeKey = key == null ? null : Bytes.wrap(key);
            if (record.value().isTombstone()) {
                if (key == null) {
                    log.debug("Dropping a tombstone without key from topic '{}': nothing to delete",
                            joiner.inputTopic());
                    return;
                }
                if (lastRoutes == null) {
                    throw cannotRoute("a delete (tombstone)");
                }
                // The entry goes with the key. A delete sent as two records (a change record, then a tombstone)
                // thus sends its second half by the fallback route, where a re-insert of the key on another route
                // may overtake it (a documented limit): marking the route instead would keep an entry per deleted
                // key for good wherever deletes come as one record.
                String stored = lastRoutes.delete(storeKey);
                context.forward(record.withKey(stored != null ? routeOf(stored) : fallbackRoute(key)));
                return;
            }
            String joinKey = joiner.joinKey(record.value().value());
            if (joinKey == null && joiner.lookup().joinType() == JoinType.INNER) {
                log.debug("Dropping a record of topic '{}' whose {} is null: an inner join needs a lookup row",
                        joiner.inputTopic(), joiner.lookup().joinField());
                // Its join key moved to none: earlier versions still waiting for their row on the old path must
                // not be written after this one. The route stays, so a later delete still follows them, marked so
                // that further such versions send no notice again.
                String stored = lastRoutes == null || storeKey == null ? null : lastRoutes.get(storeKey);
                if (stored != null && !stored.startsWith(MOVED_AWAY_MARKER)) {
                    context.forward(record.withKey(stored).withValue(OriginalRecord.movedAway(key)));
                    lastRoutes.put(storeKey, MOVED_AWAY_MARKER + stored);
                }
                return;
            }
            if (lastRoutes == null) {
                if (joinKey == null) {
                    throw cannotRoute("a record whose " + joiner.lookup().joinField() + " is null");
                }
                context.forward(record.withKey(joinKey));
                return;
            }
            String stored = storeKey == null ? null : lastRoutes.get(storeKey);
            String lastRoute = routeOf(stored);
            String route = joinKey != null ? joinKey : lastRoute != null ? lastRoute : fallbackRoute(key);
            if (storeKey != null && !route.equals(stored)) {
                if (lastRoute != null && !route.equals(lastRoute) && !stored.startsWith(MOVED_AWAY_MARKER)) {
                    // Ahead of the record, on the path its earlier versions took, so it passes them in order.
                    context.forward(record.withKey(lastRoute).withValue(OriginalRecord.movedAway(key)));
                }
                lastRoutes.put(storeKey, route);
            }
            context.forward(record.withKey(route));
        }
    }

    /** The route an entry names, without its mark. */
    private static String routeOf(String stored) {
        if (stored == null) {
            return null;
        }
        return stored.startsWith(MOVED_AWAY_MARKER) ? stored.substring(MOVED_AWAY_MARKER.length()) : stored;
    }

    private DataException cannotRoute(String what) {
        String key = joiner.lookup().configKey("remember.routes");
        return new DataException("Input topic '" + joiner.inputTopic() + "' has " + what + ", which carries no join "
                + "key of lookup '" + joiner.lookup().name() + "', but " + key + "=false, so the enricher does not "
                + "know where the earlier records of its key went and could let it overtake them. Set " + key
                + "=true (the default) for an input with deletes or null join fields");
    }

    /**
     * Repartition key for a record with no join key and no earlier route. Whatever lookup row it might
     * happen to match is ignored downstream; it only spreads such records over the partitions.
     */
    private static String fallbackRoute(byte[] key) {
        return key == null ? "" : Base64.getEncoder().encodeToString(key);
    }
}
