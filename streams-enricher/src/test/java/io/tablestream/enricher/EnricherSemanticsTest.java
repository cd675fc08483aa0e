package io.tablestream.enricher;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tablestream.enricher.EnricherFixtures.KEYS;
import static io.tablestream.enricher.EnricherFixtures.VALUES;
import static io.tablestream.enricher.EnricherFixtures.baseConfig;
import static io.tablestream.enricher.EnricherFixtures.driver;
import static io.tablestream.enricher.EnricherFixtures.enrichedValue;
import static io.tablestream.enricher.EnricherFixtures.idKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each lookup semantics, late lookups, chains and dead letters, with explicit record timestamps. */
class EnricherSemanticsTest {

    private static final Schema ORDER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.INT32_SCHEMA).build();
    private static final Schema ORDER_WITH_OPTIONAL_CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.OPTIONAL_INT32_SCHEMA).build();
    private static final Schema ORDER_WITHOUT_CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).build();
    private static final Schema CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA)
            .field("region_id", Schema.INT32_SCHEMA).build();
    private static final Schema REGION = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("label", Schema.STRING_SCHEMA).build();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> orders;
    private TestInputTopic<byte[], byte[]> customers;
    private TestInputTopic<byte[], byte[]> regions;
    private TestOutputTopic<byte[], byte[]> enriched;

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void streamRecordJoinsTheLookupRowAsOfItsTimestamp() {
        start(Map.of());
        customer(1, "Alice", 1, 1_000);
        customer(1, "Alicia", 1, 3_000);
        order(100, 1, 2_000);
        order(101, 1, 3_000);

        assertEquals(List.of("100:Alice", "101:Alicia"), readIdsAndNames());
    }

    @Test
    void lookupRowsWrittenAfterTheirRecordsStillJoin() {
        start(Map.of());
        // As when the customers table is snapshotted after the orders table: every order is older than its row.
        order(100, 1, 1_000);
        order(101, 2, 1_100);
        order(102, 1, 1_200);
        customer(1, "Alice", 1, 5_000);
        customer(2, "Bob", 1, 5_100);

        assertEquals(List.of("100:Alice", "102:Alice", "101:Bob"), readIdsAndNames());
    }

    @Test
    void aRecordWhoseLookupRowIsAlreadyThereButNewerJoinsIt() {
        start(Map.of());
        customer(1, "Alice", 1, 5_000);
        order(100, 1, 1_000);

        assertEquals(List.of("100:Alice"), readIdsAndNames());
    }

    @Test
    void aRecordOlderThanTheHistoryRetentionJoinsTheCurrentRow() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, "3600000"));
        customer(1, "Alice", 1, 1_000);
        customer(1, "Alicia", 1, 1_000 + 2 * 3_600_000);
        // Backlog after an outage: its versions of customer 1 are gone from the history.
        order(100, 1, 2_000);

        assertEquals(List.of("100:Alicia"), readIdsAndNames());
    }

    @Test
    void aLookupRowReadAfterRowsNewerThanItsHistoryRetentionIsKeptNotDropped() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, "3600000"));
        long now = 10 * 3_600_000L;
        // As at a first start over a customers topic of several partitions: one partition's recent rows are read
        // before another's rows that have not changed for hours.
        customer(2, "Bob", 1, now);
        customer(1, "Alice", 1, now - 3 * 3_600_000L);
        customer(3, "Carol", 1, now - 3 * 3_600_000L);
        customers.pipeInput(customerKey(3), null, now - 2 * 3_600_000L);
        order(100, 1, now);
        order(101, 1, now - 3 * 3_600_000L + 1);
        order(102, 3, now);

        assertEquals(List.of("100:Alice", "101:Alice"), readIdsAndNames());
    }

    private static final long HOUR = 3_600_000L;

    @Test
    void aLookupRowTheTableWouldSkipIsPlacedAtTheCutOffOfTheLookupRowsNotOfTheOrders() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, String.valueOf(HOUR)));
        customer(1, "Alice", 1, 0);
        customer(2, "Bob", 1, 10 * HOUR);
        // An order from a partition ahead of the customers: the lookup rows' cut-off is still 9 h.
        order(999, 2, 20 * HOUR);
        customer(1, "Alicia", 1, 5 * HOUR);
        // From a lagging partition, within the lookup table's history: Alicia was customer 1 by then.
        order(100, 1, 18 * HOUR + HOUR / 2);

        assertEquals(List.of("999:Bob", "100:Alicia"), readIdsAndNames());
    }

    @Test
    void aSecondLookupRowWithTheSameTimestampAsTheFirstIsNotLost() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, String.valueOf(HOUR)));
        // Two changes of one transaction carry its commit time; rows of other keys came in between.
        customer(1, "Alice", 1, 5 * HOUR);
        customer(2, "Bob", 1, 10 * HOUR);
        customer(1, "Alicia", 1, 5 * HOUR);
        order(100, 1, 10 * HOUR);

        assertEquals(List.of("100:Alicia"), readIdsAndNames());
    }

    @Test
    void anOrderStampedFarInTheFutureDoesNotMoveTheLookupRowsTimes() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, String.valueOf(HOUR)));
        long year2100 = 4_102_444_800_000L;
        customer(2, "Bob", 1, 10 * HOUR);
        order(999, 2, year2100);
        // Older than the table's history: moved to its cut-off, which the orders' times must not decide.
        customer(3, "Carol", 1, 5 * HOUR);
        customer(1, "Alice", 1, 11 * HOUR);
        customer(1, "Alicia", 1, 13 * HOUR);
        order(100, 1, 12 * HOUR);

        assertEquals(List.of("999:Bob", "100:Alice"), readIdsAndNames());
    }

    @Test
    void aLookupRowStampedBeforeItsKeysLatestVersionStillBecomesCurrent() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, String.valueOf(24 * HOUR)));
        // A CDC source's snapshot row carries its read time; the change streamed after it, its earlier commit time.
        customer(1, "Alice", 1, 5 * HOUR);
        customer(1, "Alicia", 1, 4 * HOUR);
        order(100, 1, 6 * HOUR);
        // Beyond the history as well.
        customer(2, "Bob", 1, 40 * HOUR);
        customer(2, "Bobby", 1, 39 * HOUR);
        customer(3, "Carol", 1, 70 * HOUR);
        customer(2, "Robert", 1, 30 * HOUR);
        order(101, 2, 70 * HOUR);

        assertEquals(List.of("100:Alicia", "101:Robert"), readIdsAndNames());
    }

    @Test
    void aReplayedOlderLookupRowIsCurrentOnlyUntilTheNewerOneIsReplayedAfterIt() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, String.valueOf(HOUR)));
        customer(1, "Alice", 1, 4 * HOUR);
        customer(1, "Alicia", 1, 5 * HOUR);
        customer(2, "Bob", 1, 20 * HOUR);
        // Read again after a failure under at_least_once, in their order.
        customer(1, "Alice", 1, 4 * HOUR);
        customer(1, "Alicia", 1, 5 * HOUR);
        order(100, 1, 20 * HOUR);

        assertEquals(List.of("100:Alicia"), readIdsAndNames());
    }

    @Test
    void rowsMovedToTheCutOffStillReplaceEachOtherInOrder() {
        start(Map.of(EnricherConfig.LOOKUP_HISTORY_RETENTION_MS_CONFIG, String.valueOf(HOUR),
                EnricherConfig.JOIN_TYPE_CONFIG, "left"));
        customer(2, "Bob", 1, 20 * HOUR);
        customer(1, "Alice", 1, 4 * HOUR);
        customer(1, "Alicia", 1, 5 * HOUR);
        order(100, 1, 20 * HOUR);
        customers.pipeInput(customerKey(1), null, 6 * HOUR);
        order(101, 1, 20 * HOUR);

        assertEquals(List.of("100:Alicia", "101:null"), readIdsAndNames());
    }

    @Test
    void aTombstoneDropsTheWaitingVersionsItDeletesSoAReinsertElsewhereIsNotDeleted() {
        start(Map.of());
        customer(2, "Bob", 1, 500);
        order(100, 1, 1_000);
        orders.pipeInput(orderKey(100), null, 1_100);
        // Order 100 re-created for customer 2 while its deleted first version still waits for customer 1.
        order(100, 2, 1_200);
        customer(1, "Alice", 1, 2_000);
        order(101, 1, 3_000);

        assertEquals(List.of("100:tombstone", "100:Bob", "101:Alice"), readIdsAndNames());
    }

    @Test
    void aRecordMovedToAnotherJoinKeyIsNotOvertakenByItsWaitingPreviousVersion() {
        start(Map.of());
        customer(2, "Bob", 1, 500);
        order(100, 1, 1_000);
        // The same order moved to customer 2 while its first version waits for customer 1.
        order(100, 2, 1_100);
        customer(1, "Alice", 1, 2_000);
        order(101, 1, 3_000);

        assertEquals(List.of("100:Bob", "101:Alice"), readIdsAndNames());
    }

    @Test
    void aVersionWhoseJoinFieldBecameNullDropsItsWaitingPreviousVersionUnderAnInnerJoin() {
        start(Map.of());
        order(100, 1, 1_000);
        // The same order loses its customer while its first version waits for customer 1: an inner join drops the
        // new version, and the old one must not be written after it either.
        orders.pipeInput(orderKey(100), VALUES.fromConnectData("orders", ORDER_WITH_OPTIONAL_CUSTOMER,
                new Struct(ORDER_WITH_OPTIONAL_CUSTOMER).put("id", 100).put("customer_id", null)), 1_100);
        customer(1, "Alice", 1, 2_000);
        order(101, 1, 3_000);
        orders.pipeInput(orderKey(100), null, 3_100);

        assertEquals(List.of("101:Alice", "100:tombstone"), readIdsAndNames());
    }

    @Test
    void versionsWithoutJoinKeyUnderAnInnerJoinSendOneNoticeAndTheDeleteStillFollowsTheRoute() {
        start(Map.of());
        TestOutputTopic<byte[], byte[]> routed = driver.createOutputTopic("tablestream-enricher-customers"
                + EnricherTopology.INPUT_REPARTITION_SUFFIX + "-repartition", new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        customer(1, "Alice", 1, 500);
        order(100, 1, 1_000);
        for (long timestamp : new long[] {1_100, 1_200, 1_300}) {
            orders.pipeInput(orderKey(100), VALUES.fromConnectData("orders", ORDER_WITH_OPTIONAL_CUSTOMER,
                    new Struct(ORDER_WITH_OPTIONAL_CUSTOMER).put("id", 100).put("customer_id", null)), timestamp);
        }
        orders.pipeInput(orderKey(100), null, 1_400);

        // The order, one notice that it moved away, the tombstone: all along customer 1's route.
        assertEquals(List.of("1", "1", "1"), routed.readKeyValuesToList().stream()
                .map(record -> new String(record.key, StandardCharsets.UTF_8)).toList());
        assertEquals(List.of("100:Alice", "100:tombstone"), readIdsAndNames());
    }

    @Test
    void recordsWaitingForTheirRowAreNotLostWhenAVersionOfTheRowCannotBeUsed() {
        start(Map.of(EnricherConfig.DEADLETTER_TOPIC_CONFIG, "enricher_dlq"));
        order(100, 1, 1_000);
        // Customer 1 arrives without the copied column name (dead-lettered), then with it.
        Schema withoutName = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        customers.pipeInput(customerKey(1), VALUES.fromConnectData("customers", withoutName,
                new Struct(withoutName).put("id", 1)), 1_500);
        customer(1, "Alice", 1, 2_000);

        assertEquals(List.of("100:Alice"), readIdsAndNames());
    }

    @Test
    void aRecordWhoseRowNeverArrivesIsDroppedAfterWaitMs() {
        start(Map.of(EnricherConfig.LOOKUP_WAIT_MS_CONFIG, "60000"));
        order(100, 1, 1_000);
        order(101, 2, 1_000);
        assertTrue(HealthServer.metrics(driver.metrics(), true).contains("tablestream_enricher_awaiting_lookup_row 2\n"));
        driver.advanceWallClockTime(Duration.ofSeconds(61));
        customer(1, "Alice", 1, 2_000);
        customer(2, "Bob", 1, 2_000);
        order(102, 2, 3_000);

        assertEquals(List.of("102:Bob"), readIdsAndNames());
        String metrics = HealthServer.metrics(driver.metrics(), true);
        assertTrue(metrics.contains("tablestream_enricher_awaiting_lookup_row 0\n")
                && metrics.contains("tablestream_enricher_awaiting_lookup_row_dropped_total 2\n"), metrics);
    }

    @Test
    void lateLookupWithinGraceStillJoins() {
        start(Map.of(EnricherConfig.LOOKUP_GRACE_MS_CONFIG, "1000"));
        order(100, 1, 1_000);
        // The customer row is older than the order but read after it: the order waits in the grace buffer.
        customer(1, "Alice", 1, 900);
        assertEquals(List.of(), readIdsAndNames());
        // Stream time passes the order's timestamp + grace: the order is joined and written.
        order(101, 2, 2_000);

        assertEquals(List.of("100:Alice"), readIdsAndNames());
    }

    @Test
    void lateLookupBeyondGraceIsMissed() {
        start(Map.of(EnricherConfig.LOOKUP_GRACE_MS_CONFIG, "1000", EnricherConfig.JOIN_TYPE_CONFIG, "left"));
        order(100, 1, 1_000);
        order(101, 2, 2_500);
        customer(1, "Alice", 1, 900);
        order(102, 1, 4_000);
        order(103, 1, 5_500);

        // 100 was released before its customer arrived; 102, joined later, finds it.
        assertEquals(List.of("100:null", "101:null", "102:Alice"), readIdsAndNames());
    }

    @Test
    void deletedLookupRowStopsJoiningLaterRecordsInStreamSemantics() {
        start(Map.of());
        customer(1, "Alice", 1, 1_000);
        order(100, 1, 1_000);
        customers.pipeInput(customerKey(1), null, 2_000);
        order(101, 1, 2_000);

        assertEquals(List.of("100:Alice"), readIdsAndNames());
    }

    @Test
    void tableSemanticsReEmitsDependentRowsWhenTheLookupRowChanges() {
        start(Map.of(EnricherConfig.LOOKUP_SEMANTICS_CONFIG, "table"));
        customer(1, "Alice", 1, 1_000);
        order(100, 1, 1_000);
        order(101, 1, 1_000);
        customer(1, "Alicia", 1, 2_000);

        assertEquals(List.of("100:Alice", "101:Alice", "100:Alicia", "101:Alicia"), readIdsAndNames());
    }

    @Test
    void tableSemanticsInnerJoinDeletesDependentRowsWhenTheLookupRowIsDeleted() {
        start(Map.of(EnricherConfig.LOOKUP_SEMANTICS_CONFIG, "table"));
        customer(1, "Alice", 1, 1_000);
        order(100, 1, 1_000);
        customers.pipeInput(customerKey(1), null, 2_000);

        assertEquals(List.of("100:Alice", "100:tombstone"), readIdsAndNames());
    }

    @Test
    void tableSemanticsLeftJoinNullsTheLookupFieldsWhenTheLookupRowIsDeleted() {
        start(Map.of(EnricherConfig.LOOKUP_SEMANTICS_CONFIG, "table", EnricherConfig.JOIN_TYPE_CONFIG, "left"));
        customer(1, "Alice", 1, 1_000);
        order(100, 1, 1_000);
        customers.pipeInput(customerKey(1), null, 2_000);

        assertEquals(List.of("100:Alice", "100:null"), readIdsAndNames());
    }

    @Test
    void tableSemanticsWritesATombstoneForADeletedStreamRow() {
        start(Map.of(EnricherConfig.LOOKUP_SEMANTICS_CONFIG, "table"));
        customer(1, "Alice", 1, 1_000);
        order(100, 1, 1_000);
        orders.pipeInput(orderKey(100), null, 2_000);

        assertEquals(List.of("100:Alice", "100:tombstone"), readIdsAndNames());
    }

    @Test
    void chainedLookupsJoinOnAFieldAddedByTheEarlierLookup() {
        for (String semantics : List.of("stream", "global", "table")) {
            Map<String, String> props = new HashMap<>();
            props.put(EnricherConfig.LOOKUPS_CONFIG, "customers,regions");
            props.put("lookup.customers.topic", "customers");
            props.put("lookup.customers.join.field", "customer_id");
            props.put("lookup.customers.fields", "name,region_id");
            props.put("lookup.customers.semantics", semantics);
            props.put("lookup.regions.topic", "regions");
            props.put("lookup.regions.join.field", "customers_region_id");
            props.put("lookup.regions.fields", "label");
            props.put("lookup.regions.prefix", "region_");
            props.put("lookup.regions.semantics", semantics);
            start(props);
            region(7, "Europe", 1_000);
            customer(1, "Alice", 7, 1_000);
            order(100, 1, 1_000);
            if (semantics.equals("stream")) {
                assertEquals(List.of(OriginalRecordSerde.FORMAT_COMPACT, OriginalRecordSerde.FORMAT_COMPACT),
                        List.of(firstByte("customers"), firstByte("regions")), semantics);
            }

            Struct out = enrichedValue(enriched.readValue());
            assertEquals(List.of("id", "customer_id", "customers_name", "customers_region_id", "region_label"),
                    out.schema().fields().stream().map(f -> f.name()).toList(), semantics);
            assertEquals("100:Alice:7:Europe", out.get("id") + ":" + out.get("customers_name") + ":"
                    + out.get("customers_region_id") + ":" + out.get("region_label"), semantics);
            driver.close();
            driver = null;
        }
    }

    @Test
    void globalSemanticsJoinsTheCurrentRowWithoutRepartitioning() {
        start(Map.of(EnricherConfig.LOOKUP_SEMANTICS_CONFIG, "global"));
        customer(1, "Alice", 1, 5_000);
        order(100, 1, 1_000);
        order(101, 2, 1_000);
        orders.pipeInput(orderKey(100), null, 2_000);

        // Not time-aware: the order older than the customer row still finds it.
        assertEquals(List.of("100:Alice", "100:tombstone"), readIdsAndNames());
        assertFalse(EnricherApp.describe(config(Map.of(EnricherConfig.LOOKUP_SEMANTICS_CONFIG, "global")), false)
                .contains("repartition"));
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndProcessingContinues() {
        start(Map.of(EnricherConfig.DEADLETTER_TOPIC_CONFIG, "enricher_dlq"));
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic("enricher_dlq",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        customer(1, "Alice", 1, 1_000);
        byte[] notJson = "not json".getBytes(StandardCharsets.UTF_8);
        orders.pipeInput(orderKey(100), notJson, 1_000);
        orders.pipeInput(orderKey(101), VALUES.fromConnectData("orders", ORDER_WITHOUT_CUSTOMER,
                new Struct(ORDER_WITHOUT_CUSTOMER).put("id", 101)), 1_000);
        order(102, 1, 1_000);

        // Both bad records are skipped. TopologyTestDriver does not capture the dead letter of a deserialization
        // error (DeadLetterIT checks it on a real broker); the record without join field is dead-lettered here.
        assertEquals(List.of("102:Alice"), readIdsAndNames());
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        TestRecord<byte[], byte[]> missingJoinField = dead.get(dead.size() - 1);
        assertEquals("orders", header(missingJoinField.headers(), "__streams.errors.topic"));
        assertEquals("1", header(missingJoinField.headers(), "__streams.errors.offset"));
        assertTrue(header(missingJoinField.headers(), "__streams.errors.message")
                .contains("join.field 'customer_id' is not a field"), header(missingJoinField.headers(),
                "__streams.errors.message"));
        assertEquals(101, ((Struct) VALUES.toConnectData("orders", missingJoinField.value()).value()).get("id"));
    }

    @Test
    void mermaidShowsTopicsProcessorsAndStores() {
        String mermaid = EnricherApp.describe(config(Map.of()), true);

        assertTrue(mermaid.startsWith("flowchart LR\n"), mermaid);
        for (String part : List.of("topic_orders([orders])", "topic_customers([customers])",
                "topic_enriched_orders([enriched_orders])", "customers-lookup-table)]",
                "customers-input-by-join-key-repartition")) {
            assertTrue(mermaid.contains(part), part + " missing from\n" + mermaid);
        }
    }

    private byte firstByte(String lookup) {
        return driver.createOutputTopic("tablestream-enricher-" + lookup + EnricherTopology.INPUT_REPARTITION_SUFFIX
                + "-repartition", new ByteArrayDeserializer(), new ByteArrayDeserializer()).readValue()[0];
    }

    private void start(Map<String, String> overrides) {
        EnricherConfig config = config(overrides);
        driver = driver(config);
        ByteArraySerializer bytes = new ByteArraySerializer();
        orders = driver.createInputTopic("orders", bytes, bytes);
        customers = driver.createInputTopic("customers", bytes, bytes);
        regions = driver.createInputTopic("regions", bytes, bytes);
        enriched = driver.createOutputTopic("enriched_orders", new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private EnricherConfig config(Map<String, String> overrides) {
        Map<String, String> props = baseConfig(stateDir);
        if (!overrides.containsKey(EnricherConfig.LOOKUPS_CONFIG)) {
            props.put(EnricherConfig.LOOKUP_TOPIC_CONFIG, "customers");
            props.put(EnricherConfig.JOIN_FIELD_CONFIG, "customer_id");
            props.put(EnricherConfig.LOOKUP_FIELDS_CONFIG, "name");
        }
        props.putAll(overrides);
        return new EnricherConfig(props);
    }

    private void customer(int id, String name, int regionId, long timestamp) {
        customers.pipeInput(customerKey(id), VALUES.fromConnectData("customers", CUSTOMER,
                new Struct(CUSTOMER).put("id", id).put("name", name).put("region_id", regionId)), timestamp);
    }

    private void region(int id, String label, long timestamp) {
        regions.pipeInput(idKey("regions", id),
                VALUES.fromConnectData("regions", REGION, new Struct(REGION).put("id", id).put("label", label)),
                timestamp);
    }

    private void order(int id, int customerId, long timestamp) {
        orders.pipeInput(orderKey(id), VALUES.fromConnectData("orders", ORDER,
                new Struct(ORDER).put("id", id).put("customer_id", customerId)), timestamp);
    }

    private static byte[] customerKey(int id) {
        return idKey("customers", id);
    }

    private static byte[] orderKey(int id) {
        return idKey("orders", id);
    }

    /** Each output record as "orderId:customerName", "orderId:null" or "orderId:tombstone". */
    private List<String> readIdsAndNames() {
        return enriched.readKeyValuesToList().stream().map(record -> {
            Object id = ((Struct) KEYS.toConnectData("orders", record.key).value()).get("id");
            if (record.value == null) {
                return id + ":tombstone";
            }
            Struct value = enrichedValue(record.value);
            return id + ":" + (value.schema().field("customers_name") == null ? null : value.get("customers_name"));
        }).toList();
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
