package io.tablestream.enricher;

import io.tablestream.enricher.LookupSpec.JoinType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
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
 * Records that carry no join key (tombstones; null join field under a left join) need no lookup, but they
 * must not overtake the earlier records of the same input key, which went through the repartition topic:
 * a tombstone written straight to the output could reach the sink before the upsert it deletes. So the
 * router remembers, per input key, the repartition key it used last and sends such records the same way.
 * The store holds one entry per live input key (its key bytes and join key); a tombstone removes it.
 */
final class JoinKeyRouter implements ProcessorSupplier<Object, OriginalRecord, String, OriginalRecord> {

    static final String STORE_SUFFIX = "-last-route-by-input-key";

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
            this.lastRoutes = context.getStateStore(storeName);
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
                String lastRoute = lastRoutes.delete(storeKey);
                context.forward(record.withKey(lastRoute != null ? lastRoute : fallbackRoute(key)));
                return;
            }
            String joinKey = joiner.joinKey(record.value().value());
            if (joinKey == null && joiner.lookup().joinType() == JoinType.INNER) {
                log.debug("Dropping a record of topic '{}' whose {} is null: an inner join needs a lookup row",
                        joiner.inputTopic(), joiner.lookup().joinField());
                return;
            }
            String lastRoute = storeKey == null ? null : lastRoutes.get(storeKey);
            String route = joinKey != null ? joinKey : lastRoute != null ? lastRoute : fallbackRoute(key);
            if (storeKey != null && !route.equals(lastRoute)) {
                lastRoutes.put(storeKey, route);
            }
            context.forward(record.withKey(route));
        }
    }

    /**
     * Repartition key for a record with no join key and no earlier route. Whatever lookup row it might
     * happen to match is ignored downstream; it only spreads such records over the partitions.
     */
    private static String fallbackRoute(byte[] key) {
        return key == null ? "" : Base64.getEncoder().encodeToString(key);
    }
}
