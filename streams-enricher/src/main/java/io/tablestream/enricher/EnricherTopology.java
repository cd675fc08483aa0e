package io.tablestream.enricher;

import io.tablestream.enricher.AwaitLookupRow.JoinOutcome;
import io.tablestream.enricher.AwaitLookupRow.LookupUpdate;
import io.tablestream.enricher.LookupSpec.JoinType;
import io.tablestream.enricher.LookupSpec.Semantics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TableJoined;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;

/**
 * Builds the enricher: the input stream joined with each lookup in turn, written under its original key.
 * <pre>
 * stream:  input --route by join key--> [NAME-input-by-join-key] --join NAME-lookup-table (versioned)-->
 *          misses: current row, or wait in NAME-awaiting-lookup-row --> ...
 *          lookup --key by join key---> [NAME-lookup-by-join-key] --> move rows the table's history would skip
 *                 up to its cut-off --> NAME-lookup-table --> release waiting
 * global:  input --look up NAME-global-lookup-table in place--> ...
 * table:   input-table --foreign-key join NAME-lookup-table--> NAME-enriched-table --> ...
 * </pre>
 * Processor, topic and store names derive from the lookup's name, so the topology (and so the internal
 * topics and state of a running app) stays the same across releases.
 */
public final class EnricherTopology {

    static final String INPUT_REPARTITION_SUFFIX = "-input-by-join-key";
    static final String LOOKUP_REPARTITION_SUFFIX = "-lookup-by-join-key";
    static final String LOOKUP_STORE_SUFFIX = "-lookup-table";
    static final String ENRICHED_STORE_SUFFIX = "-enriched-table";
    static final String INPUT_TABLE_STORE = "input-table";
    static final String DELETES_TO_TOMBSTONES = "deletes-to-tombstones";
    static final String REJECT_UNAVAILABLE_JOIN_FIELDS = "reject-unavailable-join-fields";
    static final String KEEP_EXPIRED_LOOKUP_ROWS = "-keep-expired-lookup-rows";

    private EnricherTopology() {
    }

    /**
     * The builder gets the Streams settings too, so settings that shape what it builds (e.g.
     * {@code default.dsl.store}, {@code dsl.store.suppliers.class}) apply as the file asks.
     */
    public static Topology build(EnricherConfig config) {
        return build(config, new SchemaTopic(new StreamsConfig(config.streamsProperties())));
    }

    /** {@code schemas} keeps the schemas of the values {@code stream} semantics writes to its topics and stores. */
    static Topology build(EnricherConfig config, InternalSchemas schemas) {
        Properties props = config.streamsProperties();
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        TopicSerdes serdes = new TopicSerdes(new ConverterSerde(config.keyConverter()),
                new ConverterSerde(config.valueConverter()), ConnectJsonSerde.forValues(), schemas);
        boolean table = config.lookups().get(0).semantics() == Semantics.TABLE;
        if (table) {
            buildTable(builder, config, serdes);
            return builder.build(props);
        }
        buildStream(builder, config, serdes);
        Topology topology = builder.build(props);
        // The processor before the lookup table reads the table's store, which the DSL adds only after it.
        for (LookupSpec lookup : config.lookups()) {
            if (lookup.semantics() == Semantics.STREAM) {
                topology.connectProcessorAndStateStores(lookup.name() + KEEP_EXPIRED_LOOKUP_ROWS,
                        lookup.name() + LOOKUP_STORE_SUFFIX);
            }
        }
        return topology;
    }

    /**
     * External topics go through the configured converters; {@code internal} reads internal values stored as
     * Connect JSON, so state kept in that form stays readable.
     */
    private record TopicSerdes(ConverterSerde keys, ConverterSerde values, ConnectJsonSerde internal,
                               InternalSchemas schemas) {
    }

    private static void buildStream(StreamsBuilder builder, EnricherConfig config, TopicSerdes serdes) {
        String inputTopic = config.inputTopic();
        // Input keys stay raw bytes end to end, so the output key is exactly the input key.
        KStream<?, OriginalRecord> records = builder
                .stream(inputTopic, Consumed.with(Serdes.ByteArray(),
                        serdes.values()).withName("read-input-topic"))
                .processValues(DeletesToTombstones<byte[]>::new, Named.as(DELETES_TO_TOMBSTONES))
                .processValues(() -> UnavailableColumns.ofJoinFields(inputTopic, joinFields(config)),
                        Named.as(REJECT_UNAVAILABLE_JOIN_FIELDS))
                .mapValues(OriginalRecord::new, Named.as("wrap-input-record"));
        for (LookupSpec lookup : config.lookups()) {
            EnrichingJoiner joiner = new EnrichingJoiner(inputTopic, lookup);
            records = lookup.semantics() == Semantics.GLOBAL
                    ? joinGlobal(builder, records, lookup, joiner, serdes)
                    : joinVersioned(builder, records, lookup, joiner, serdes);
        }
        records.map((key, record) -> KeyValue.pair(record.key(), record.value()), Named.as("restore-original-key"))
                .to(config.outputTopic(), Produced.with(Serdes.ByteArray(),
                        serdes.values()).withName("write-output-topic"));
    }

    /**
     * KStream-KTable join against a versioned table (KIP-914): each record joins the lookup row as of the
     * record's timestamp, and with a grace period (KIP-923) waits for rows that arrive late. Tombstones and
     * inner-join misses go through the same join, so nothing overtakes a record still in the grace buffer.
     * {@link AwaitLookupRow} then handles the records that found no row as of their timestamp; it reads the lookup
     * table's updates too, to release the records waiting for them.
     */
    private static KStream<String, OriginalRecord> joinVersioned(StreamsBuilder builder,
                                                                 KStream<?, OriginalRecord> records,
                                                                 LookupSpec lookup, EnrichingJoiner joiner,
                                                                 TopicSerdes serdes) {
        String name = lookup.name();
        Serde<String> joinKeys = Serdes.String();
        // Records cross the repartition topics and lookup rows are read from the store once per record:
        // a compact binary format keeps both cheaper than Connect JSON, and naming the schema by id keeps each value
        // several times smaller than carrying its schema.
        CompactValueSerde compact = new CompactValueSerde(serdes.schemas());
        OriginalRecordSerde originalRecords = new OriginalRecordSerde(serdes.internal(), compact);
        CompactValueSerde lookupRows = compact;
        KTable<String, SchemaAndValue> lookupTable = lookupByJoinKey(builder, lookup, joiner, serdes, lookupRows)
                .processValues(new ExpiredLookupRows(lookup, name + LOOKUP_STORE_SUFFIX),
                        Named.as(name + KEEP_EXPIRED_LOOKUP_ROWS))
                .toTable(Named.as(name + "-to-lookup-table"),
                        Materialized.<String, SchemaAndValue>as(Stores.persistentVersionedKeyValueStore(
                                        name + LOOKUP_STORE_SUFFIX, Duration.ofMillis(lookup.historyRetentionMs())))
                                .withKeySerde(joinKeys).withValueSerde(lookupRows));
        Joined<String, OriginalRecord, SchemaAndValue> joined =
                Joined.with(joinKeys, originalRecords, lookupRows).withName(name + "-join-lookup-table");
        if (lookup.graceMs() > 0) {
            joined = joined.withGracePeriod(Duration.ofMillis(lookup.graceMs()));
        }
        KStream<String, Object> outcomes = records
                .process(new JoinKeyRouter(joiner), Named.as(name + "-route-by-join-key"))
                .repartition(Repartitioned.<String, OriginalRecord>as(name + INPUT_REPARTITION_SUFFIX)
                        .withKeySerde(joinKeys).withValueSerde(originalRecords))
                .leftJoin(lookupTable, (record, row) -> (Object) JoinOutcome.of(joiner, record, row), joined);
        KStream<String, Object> lookupUpdates = lookupTable
                .toStream(Named.as(name + "-lookup-updates"))
                .mapValues(row -> (Object) new LookupUpdate(row), Named.as(name + "-wrap-lookup-update"));
        return outcomes
                .merge(lookupUpdates, Named.as(name + "-merge-lookup-updates"))
                .process(new AwaitLookupRow(lookup, joiner, name + LOOKUP_STORE_SUFFIX,
                                new AwaitingRecordSerde(originalRecords)), Named.as(name + "-await-lookup-row"),
                        name + LOOKUP_STORE_SUFFIX);
    }

    private static <K> KStream<K, OriginalRecord> joinGlobal(StreamsBuilder builder,
                                                             KStream<K, OriginalRecord> records,
                                                             LookupSpec lookup, EnrichingJoiner joiner,
                                                             TopicSerdes serdes) {
        builder.addGlobalStore(GlobalLookup.store(lookup, new CompactValueSerde()), lookup.topic(),
                Consumed.with(serdes.keys(), serdes.values()).withName(lookup.name() + "-read-lookup-topic"),
                () -> new GlobalLookup.Updater(lookup, joiner));
        return records.processValues(() -> new GlobalLookup.Join<>(joiner),
                Named.as(lookup.name() + "-join-global-lookup-table"));
    }

    /**
     * Foreign-key KTable-KTable joins (KIP-213): the output is a materialized view, so a changed or deleted
     * lookup row re-emits (left) or deletes (inner) every row that points to it.
     * <p>
     * Each input row is read from and written to several stores (the input table, with its old value; the
     * lookup table; the join's subscriptions) and hashed by serializing it, so these stores and the join's
     * topics hold the compact form: in Connect JSON, decoding them took half of the stream thread. A join's
     * result is materialized only when a later lookup joins it; the last one goes straight to the output topic
     * (a store there would only add a write and a changelog record per row).
     */
    private static void buildTable(StreamsBuilder builder, EnricherConfig config, TopicSerdes serdes) {
        String inputTopic = config.inputTopic();
        Serde<Bytes> inputKeys = Serdes.Bytes();
        CompactValueSerde compact = new CompactValueSerde();
        KTable<Bytes, SchemaAndValue> rows = builder
                .stream(inputTopic, Consumed.with(inputKeys, serdes.values()).withName("read-input-topic"))
                .processValues(DeletesToTombstones<Bytes>::new, Named.as(DELETES_TO_TOMBSTONES))
                .processValues(() -> UnavailableColumns.ofJoinFields(inputTopic, joinFields(config)),
                        Named.as(REJECT_UNAVAILABLE_JOIN_FIELDS))
                .toTable(Named.as("to-input-table"),
                        Materialized.<Bytes, SchemaAndValue, KeyValueStore<Bytes, byte[]>>as(INPUT_TABLE_STORE)
                                .withKeySerde(inputKeys).withValueSerde(compact).withCachingDisabled());
        List<LookupSpec> lookups = config.lookups();
        for (LookupSpec lookup : lookups) {
            String name = lookup.name();
            EnrichingJoiner joiner = new EnrichingJoiner(inputTopic, lookup);
            KTable<String, SchemaAndValue> lookupTable = lookupByJoinKey(builder, lookup, joiner, serdes, compact)
                    .toTable(Named.as(name + "-to-lookup-table"),
                            Materialized.<String, SchemaAndValue, KeyValueStore<Bytes, byte[]>>as(
                                            name + LOOKUP_STORE_SUFFIX)
                                    .withKeySerde(Serdes.String())
                                    .withValueSerde(compact).withCachingDisabled());
            Function<SchemaAndValue, String> foreignKey = joiner::joinKey;
            TableJoined<Bytes, String> tableJoined = TableJoined.as(name + "-fk-join");
            boolean last = lookup == lookups.get(lookups.size() - 1);
            if (last) {
                rows = lookup.joinType() == JoinType.LEFT
                        ? rows.leftJoin(lookupTable, foreignKey, joiner::join, tableJoined)
                        : rows.join(lookupTable, foreignKey, joiner::join, tableJoined);
            } else {
                Materialized<Bytes, SchemaAndValue, KeyValueStore<Bytes, byte[]>> enriched =
                        Materialized.<Bytes, SchemaAndValue, KeyValueStore<Bytes, byte[]>>as(
                                name + ENRICHED_STORE_SUFFIX).withKeySerde(inputKeys).withValueSerde(compact);
                rows = lookup.joinType() == JoinType.LEFT
                        ? rows.leftJoin(lookupTable, foreignKey, joiner::join, tableJoined, enriched)
                        : rows.join(lookupTable, foreignKey, joiner::join, tableJoined, enriched);
            }
        }
        rows.toStream(Named.as("to-output-stream"))
                .to(config.outputTopic(), Produced.with(inputKeys, serdes.values()).withName("write-output-topic"));
    }

    private static List<String> joinFields(EnricherConfig config) {
        return config.lookups().stream().map(LookupSpec::joinField).toList();
    }

    /**
     * The lookup topic re-keyed by canonical join key; a delete becomes a tombstone, a row the join cannot use is a
     * bad record (see {@link EnrichingJoiner#acceptLookupRecord}).
     */
    private static KStream<String, SchemaAndValue> lookupByJoinKey(StreamsBuilder builder, LookupSpec lookup,
                                                                   EnrichingJoiner joiner, TopicSerdes serdes,
                                                                   Serde<SchemaAndValue> rows) {
        return builder
                .stream(lookup.topic(), Consumed.with(serdes.keys(), serdes.values())
                        .withName(lookup.name() + "-read-lookup-topic"))
                .processValues(DeletesToTombstones<SchemaAndValue>::new,
                        Named.as(lookup.name() + "-" + DELETES_TO_TOMBSTONES))
                .processValues(() -> UnavailableColumns.ofLookupFields(lookup),
                        Named.as(lookup.name() + "-reject-unavailable-lookup-fields"))
                .map((key, row) -> KeyValue.pair(joiner.acceptLookupRecord(key, row), row),
                        Named.as(lookup.name() + "-key-lookup-by-join-key"))
                .filter((joinKey, row) -> joinKey != null, Named.as(lookup.name() + "-drop-lookup-without-key"))
                .repartition(Repartitioned.<String, SchemaAndValue>as(lookup.name() + LOOKUP_REPARTITION_SUFFIX)
                        .withKeySerde(Serdes.String()).withValueSerde(rows));
    }
}
