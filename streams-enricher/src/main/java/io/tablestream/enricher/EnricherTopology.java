package io.tablestream.enricher;

import io.tablestream.enricher.EnricherConfig.JoinType;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Map;

/**
 * <pre>
 * input topic  --route by join key--> [input-by-join-key] --+-- tombstones -------------+
 *                                                           +-- join lookup-table ------+--> original key --> output
 * lookup topic --key by join key----> [lookup-by-join-key] --> lookup-table
 * </pre>
 * A KStream-KTable join: each input record is enriched with the lookup row current at that moment; a later
 * change of the lookup row does not rewrite earlier output. Processor, topic and store names are fixed so
 * the topology (and so the internal topics and state of a running app) stays the same across releases.
 */
public final class EnricherTopology {

    static final String INPUT_REPARTITION = "input-by-join-key";
    static final String LOOKUP_REPARTITION = "lookup-by-join-key";
    static final String LOOKUP_STORE = "lookup-table";
    private static final String BRANCH_PREFIX = "split-input-";
    private static final String TOMBSTONES = "tombstones";
    private static final String UPSERTS = "upserts";

    private EnricherTopology() {
    }

    public static Topology build(StreamsBuilder builder, EnricherConfig config) {
        Serde<String> joinKeys = Serdes.String();
        ConnectJsonSerde values = ConnectJsonSerde.forValues();
        OriginalRecordSerde originalRecords = new OriginalRecordSerde(values);
        EnrichingJoiner joiner = new EnrichingJoiner(config);

        KTable<String, SchemaAndValue> lookupTable = builder
                .stream(config.lookupTopic(), Consumed.with(ConnectJsonSerde.forKeys(), values)
                        .withName("read-lookup-topic"))
                .map((key, value) -> {
                    joiner.rememberLookupSchema(value);
                    // A JSON null payload is a deletion too; the table must see it as a tombstone.
                    SchemaAndValue row = value == null || value.value() == null ? null : value;
                    return KeyValue.pair(JoinKeys.ofLookupKey(key, config.lookupTopic()), row);
                }, Named.as("key-lookup-by-join-key"))
                .filter((joinKey, row) -> joinKey != null, Named.as("drop-lookup-without-key"))
                .repartition(Repartitioned.<String, SchemaAndValue>as(LOOKUP_REPARTITION)
                        .withKeySerde(joinKeys).withValueSerde(values))
                .toTable(Named.as("to-lookup-table"),
                        Materialized.<String, SchemaAndValue, KeyValueStore<Bytes, byte[]>>as(LOOKUP_STORE)
                                .withKeySerde(joinKeys).withValueSerde(values));

        // Input keys stay raw bytes end to end, so the output key is exactly the input key.
        Map<String, KStream<String, OriginalRecord>> byKind = builder
                .stream(config.inputTopic(), Consumed.with(Serdes.ByteArray(), values).withName("read-input-topic"))
                .process(new JoinKeyRouter(config), Named.as("route-by-join-key"))
                .repartition(Repartitioned.<String, OriginalRecord>as(INPUT_REPARTITION)
                        .withKeySerde(joinKeys).withValueSerde(originalRecords))
                .split(Named.as(BRANCH_PREFIX))
                .branch((joinKey, record) -> record.isTombstone(), Branched.as(TOMBSTONES))
                .defaultBranch(Branched.as(UPSERTS));

        Joined<String, OriginalRecord, SchemaAndValue> joined =
                Joined.with(joinKeys, originalRecords, values).withName("join-lookup-table");
        KStream<String, OriginalRecord> upserts = byKind.get(BRANCH_PREFIX + UPSERTS);
        KStream<String, OriginalRecord> enriched = config.joinType() == JoinType.LEFT
                ? upserts.leftJoin(lookupTable, joiner, joined)
                : upserts.join(lookupTable, joiner, joined);

        // A tombstone travels through the same repartition partition as the earlier records of its input key
        // (see JoinKeyRouter) and both branches run in the same task, so the output keeps their order.
        byKind.get(BRANCH_PREFIX + TOMBSTONES)
                .merge(enriched, Named.as("merge-tombstones-and-enriched"))
                .map((joinKey, record) -> KeyValue.pair(record.key(), record.value()),
                        Named.as("restore-original-key"))
                .to(config.outputTopic(), Produced.with(Serdes.ByteArray(), values).withName("write-output-topic"));

        return builder.build(config.streamsProperties());
    }
}
