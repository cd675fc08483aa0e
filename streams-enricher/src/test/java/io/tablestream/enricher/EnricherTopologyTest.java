package io.tablestream.enricher;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tablestream.enricher.EnricherFixtures.KEYS;
import static io.tablestream.enricher.EnricherFixtures.VALUES;
import static io.tablestream.enricher.EnricherFixtures.baseConfig;
import static io.tablestream.enricher.EnricherFixtures.driver;
import static io.tablestream.enricher.EnricherFixtures.enrichedValue;
import static io.tablestream.enricher.EnricherFixtures.idKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnricherTopologyTest {

    private static final Schema CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("city", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    private static final Schema ORDER = orderSchema(Schema.INT32_SCHEMA);
    private static final Schema ORDER_WITH_INT64_CUSTOMER = orderSchema(Schema.INT64_SCHEMA);
    private static final Schema ORDER_WITH_OPTIONAL_CUSTOMER = orderSchema(Schema.OPTIONAL_INT32_SCHEMA);
    private static final Date CREATED_AT = new Date(1_700_000_000_123L);
    private static final Instant START = Instant.ofEpochMilli(1_700_000_000_000L);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> orders;
    private TestInputTopic<byte[], byte[]> customers;
    private TestOutputTopic<byte[], byte[]> enriched;

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void innerJoinAddsCustomerFieldsAndKeepsTheOrderKey() {
        start(Map.of());
        customer(1, "Alice", "Paris");
        byte[] orderKey = order(100, 1, "12.50");

        List<KeyValue<byte[], byte[]>> out = enriched.readKeyValuesToList();

        assertEquals(1, out.size());
        assertArrayEquals(orderKey, out.get(0).key);
        Struct value = value(out.get(0));
        assertEquals(List.of("id", "customer_id", "amount", "created_at", "customers_id", "customers_name",
                "customers_city"), fieldNames(value.schema()));
        assertEquals(100, value.get("id"));
        assertEquals(1, value.get("customer_id"));
        assertEquals(new BigDecimal("12.50"), value.get("amount"));
        assertEquals(CREATED_AT, value.get("created_at"));
        assertEquals(1, value.get("customers_id"));
        assertEquals("Alice", value.get("customers_name"));
        assertEquals("Paris", value.get("customers_city"));
        // Logical types pass through; lookup fields become optional.
        assertEquals(Decimal.schema(2), value.schema().field("amount").schema());
        assertEquals(Timestamp.SCHEMA, value.schema().field("created_at").schema());
        assertTrue(value.schema().field("customers_name").schema().isOptional());
    }

    @Test
    void outputKeyIsByteForByteTheInputKey() {
        start(Map.of());
        customer(1, "Alice", "Paris");
        // Hand-written JSON with spacing JsonConverter would never produce: re-serialising would change it.
        byte[] oddlyFormattedKey = ("{ \"schema\" : {\"type\":\"struct\",\"fields\":[{\"field\":\"id\",\"type\":"
                + "\"int32\",\"optional\":false}],\"optional\":false},\n \"payload\" : { \"id\" : 100 } }")
                .getBytes(StandardCharsets.UTF_8);
        orders.pipeInput(oddlyFormattedKey, VALUES.fromConnectData("orders", ORDER, order(ORDER, 100, 1, "1.00")));

        KeyValue<byte[], byte[]> out = enriched.readKeyValue();

        assertArrayEquals(oddlyFormattedKey, out.key);
        assertEquals("Alice", value(out).get("customers_name"));
    }

    @Test
    void leftJoinWithoutCustomerWritesNullCustomerFields() {
        start(Map.of(EnricherConfig.JOIN_TYPE_CONFIG, "left"));
        customer(2, "Bob", "Lyon");
        byte[] orderKey = order(100, 1, "12.50");

        KeyValue<byte[], byte[]> out = enriched.readKeyValue();

        assertArrayEquals(orderKey, out.key);
        Struct value = value(out);
        assertEquals(100, value.get("id"));
        assertEquals(1, value.get("customer_id"));
        assertEquals(List.of("id", "customer_id", "amount", "created_at", "customers_id", "customers_name",
                "customers_city"), fieldNames(value.schema()));
        assertNull(value.get("customers_id"));
        assertNull(value.get("customers_name"));
        assertNull(value.get("customers_city"));
    }

    @Test
    void leftJoinBeforeAnyCustomerWasSeenWritesOrderFieldsOnly() {
        start(Map.of(EnricherConfig.JOIN_TYPE_CONFIG, "left"));
        order(100, 1, "12.50");

        Struct value = value(enriched.readKeyValue());

        assertEquals(List.of("id", "customer_id", "amount", "created_at"), fieldNames(value.schema()));
        assertEquals(100, value.get("id"));
    }

    @Test
    void innerJoinHoldsAnOrderUntilItsCustomerArrives() {
        start(Map.of());
        byte[] orderKey = order(100, 1, "12.50");
        assertTrue(enriched.isEmpty());
        customer(1, "Alice", "Paris");
        byte[] laterOrderKey = order(101, 1, "3.00");

        List<KeyValue<byte[], byte[]>> out = enriched.readKeyValuesToList();

        assertEquals(List.of(Arrays.toString(orderKey), Arrays.toString(laterOrderKey)),
                out.stream().map(kv -> Arrays.toString(kv.key)).toList());
        assertEquals("Alice", value(out.get(0)).get("customers_name"));
    }

    @Test
    void innerJoinWithoutWaitDropsAnOrderWithoutCustomer() {
        start(Map.of(EnricherConfig.LOOKUP_WAIT_MS_CONFIG, "0"));
        order(100, 1, "12.50");
        customer(1, "Alice", "Paris");
        byte[] laterOrderKey = order(101, 1, "3.00");

        List<KeyValue<byte[], byte[]>> out = enriched.readKeyValuesToList();

        // Only the later order: the customer arriving afterwards does not emit the earlier one.
        assertEquals(List.of(Arrays.toString(laterOrderKey)), out.stream().map(kv -> Arrays.toString(kv.key)).toList());
        assertEquals(101, value(out.get(0)).get("id"));
    }

    @Test
    void renamedCustomerShowsOnlyInLaterOrders() {
        start(Map.of());
        customer(1, "Alice", "Paris");
        order(100, 1, "12.50");
        customer(1, "Alicia", "Paris");
        order(101, 1, "3.00");

        List<String> out = enriched.readKeyValuesToList().stream()
                .map(EnricherTopologyTest::value)
                .map(v -> v.get("id") + ":" + v.get("customers_name"))
                .toList();

        assertEquals(List.of("100:Alice", "101:Alicia"), out);
    }

    @Test
    void int64ForeignKeyJoinsInt32LookupKey() {
        start(Map.of());
        customer(7, "Carol", "Nice");
        Struct order = new Struct(ORDER_WITH_INT64_CUSTOMER).put("id", 100).put("customer_id", 7L)
                .put("amount", new BigDecimal("5.00")).put("created_at", CREATED_AT);
        orders.pipeInput(key(100), VALUES.fromConnectData("orders", ORDER_WITH_INT64_CUSTOMER, order));

        Struct value = value(enriched.readKeyValue());

        assertEquals(7L, value.get("customer_id"));
        assertEquals("Carol", value.get("customers_name"));
    }

    @Test
    void orderTombstoneIsWrittenAsTombstoneUnderTheOrderKey() {
        start(Map.of());
        customer(1, "Alice", "Paris");
        byte[] orderKey = order(100, 1, "12.50");
        orders.pipeInput(orderKey, (byte[]) null);
        byte[] neverSeenKey = key(999);
        orders.pipeInput(neverSeenKey, (byte[]) null);

        List<KeyValue<byte[], byte[]>> out = enriched.readKeyValuesToList();

        assertEquals(3, out.size());
        assertEquals(100, value(out.get(0)).get("id"));
        assertArrayEquals(orderKey, out.get(1).key);
        assertNull(out.get(1).value);
        assertArrayEquals(neverSeenKey, out.get(2).key);
        assertNull(out.get(2).value);
    }

    @Test
    void tombstoneTakesTheSameRepartitionKeyAsItsOrder() {
        start(Map.of());
        customer(1, "Alice", "Paris");
        byte[] orderKey = order(100, 1, "12.50");
        orders.pipeInput(orderKey, (byte[]) null);
        // Read what went through the internal topic: a tombstone routed elsewhere could overtake its upsert.
        TestOutputTopic<String, byte[]> repartition = driver.createOutputTopic(
                "tablestream-enricher-customers" + EnricherTopology.INPUT_REPARTITION_SUFFIX + "-repartition",
                new StringDeserializer(), new ByteArrayDeserializer());

        assertEquals(List.of("1", "1"), repartition.readKeyValuesToList().stream().map(kv -> kv.key).toList());
    }

    @Test
    void withoutRememberedRoutesOrdersAreEnrichedWithoutARouteStore() {
        start(Map.of(EnricherConfig.LOOKUP_REMEMBER_ROUTES_CONFIG, "false"));
        customer(1, "Alice", "Paris");
        order(100, 1, "12.50");
        order(100, 1, "13.00");

        assertEquals(List.of("Alice:12.50", "Alice:13.00"), enriched.readValuesToList().stream()
                .map(EnricherFixtures::enrichedValue).map(v -> v.get("customers_name") + ":" + v.get("amount"))
                .toList());
        assertFalse(EnricherTopology.build(config(Map.of(EnricherConfig.LOOKUP_REMEMBER_ROUTES_CONFIG, "false")))
                .describe().toString().contains(JoinKeyRouter.STORE_SUFFIX));
    }

    @Test
    void withoutRememberedRoutesARecordWithoutJoinKeyIsABadRecordNamingTheSetting() {
        start(Map.of(EnricherConfig.LOOKUP_REMEMBER_ROUTES_CONFIG, "false", EnricherConfig.JOIN_TYPE_CONFIG, "left"));
        customer(1, "Alice", "Paris");
        byte[] orderKey = order(100, 1, "12.50");

        for (Runnable keyless : List.<Runnable>of(() -> orders.pipeInput(orderKey, (byte[]) null),
                () -> pipeOrderWithoutCustomer(100))) {
            String messages = messages(assertThrows(RuntimeException.class, keyless::run));
            // The key the file has: the shorthand one.
            assertTrue(messages.contains("but lookup.remember.routes=false") && messages.contains("Set "
                    + "lookup.remember.routes=true")
                    && messages.contains("'orders'"), messages);
        }
        assertEquals(1, enriched.readValuesToList().size());
    }

    @Test
    void repartitionCarriesTheOrderInTheCompactFormat() {
        start(Map.of());
        customer(1, "Alice", "Paris");
        order(100, 1, "12.50");
        TestOutputTopic<String, byte[]> repartition = driver.createOutputTopic(
                "tablestream-enricher-customers" + EnricherTopology.INPUT_REPARTITION_SUFFIX + "-repartition",
                new StringDeserializer(), new ByteArrayDeserializer());

        byte[] internal = repartition.readValue();
        assertEquals(OriginalRecordSerde.FORMAT_COMPACT, internal[0]);
        // After the key: the value names its schema by id rather than carrying it.
        assertEquals(CompactValueSerde.FORMAT_SCHEMA_ID, internal[1 + Integer.BYTES + key(100).length]);
        Struct value = value(enriched.readKeyValue());
        assertEquals(new BigDecimal("12.50"), value.get("amount"));
        assertEquals(CREATED_AT, value.get("created_at"));
        assertEquals("Alice", value.get("customers_name"));
    }

    @Test
    void nullForeignKeyIsDroppedByInnerJoin() {
        start(Map.of());
        customer(1, "Alice", "Paris");
        pipeOrderWithoutCustomer(100);
        order(101, 1, "3.00");

        List<Object> ids = enriched.readValuesToList().stream().map(v -> enrichedValue(v).get("id")).toList();

        assertEquals(List.of(101), ids);
    }

    @Test
    void nullForeignKeyIsKeptByLeftJoinWithoutCustomerFields() {
        start(Map.of(EnricherConfig.JOIN_TYPE_CONFIG, "LEFT"));
        customer(1, "Alice", "Paris");
        Struct withCustomer = new Struct(ORDER_WITH_OPTIONAL_CUSTOMER).put("id", 100).put("customer_id", 1)
                .put("amount", new BigDecimal("1.00")).put("created_at", CREATED_AT);
        orders.pipeInput(key(100), VALUES.fromConnectData("orders", ORDER_WITH_OPTIONAL_CUSTOMER, withCustomer));
        // Same order, customer removed: it is routed like before, but must not pick up customer 1.
        pipeOrderWithoutCustomer(100);

        List<String> out = enriched.readValuesToList().stream()
                .map(EnricherFixtures::enrichedValue)
                .map(v -> v.get("id") + ":" + v.get("customer_id") + ":" + v.get("customers_name"))
                .toList();

        assertEquals(List.of("100:1:Alice", "100:null:null"), out);
    }

    @Test
    void lookupFieldsAndPrefixChooseAndRenameCustomerFields() {
        Map<String, String> overrides = new HashMap<>();
        overrides.put(EnricherConfig.LOOKUP_FIELDS_CONFIG, "city,name");
        overrides.put(EnricherConfig.LOOKUP_PREFIX_CONFIG, "cust_");
        start(overrides);
        customer(1, "Alice", "Paris");
        order(100, 1, "12.50");

        Struct value = value(enriched.readKeyValue());

        assertEquals(List.of("id", "customer_id", "amount", "created_at", "cust_city", "cust_name"),
                fieldNames(value.schema()));
        assertEquals("Paris", value.get("cust_city"));
        assertEquals("Alice", value.get("cust_name"));
    }

    @Test
    void lookupKeyWithSeveralFieldsIsRejectedNamingTheTopic() {
        start(Map.of());
        Schema twoFieldKey = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("region", Schema.STRING_SCHEMA).build();
        byte[] key = KEYS.fromConnectData("customers", twoFieldKey,
                new Struct(twoFieldKey).put("id", 1).put("region", "eu"));
        byte[] value = VALUES.fromConnectData("customers", CUSTOMER,
                new Struct(CUSTOMER).put("id", 1).put("name", "Alice"));

        RuntimeException error = assertThrows(RuntimeException.class, () -> customers.pipeInput(key, value));

        String messages = messages(error);
        assertTrue(messages.contains("'customers'") && messages.contains("[id, region]"), messages);
    }

    @Test
    void theStoreTypeTheFileAsksForReachesTheTablesKafkaStreamsBuilds() {
        EnricherConfig config = config(Map.of("lookup.semantics", "table", "default.dsl.store", "in_memory"));

        try (TopologyTestDriver driver = driver(config)) {
            assertFalse(driver.getTimestampedKeyValueStore(EnricherTopology.INPUT_TABLE_STORE).persistent(),
                    "default.dsl.store=in_memory must give an in-memory input table");
        }
    }

    @Test
    void topologyNamesAreStable() {
        Topology topology = EnricherTopology.build(config(Map.of()));

        String description = topology.describe().toString();

        for (String name : List.of("read-input-topic", "customers-route-by-join-key",
                "customers-input-by-join-key-repartition", "customers-read-lookup-topic",
                "customers-lookup-by-join-key-repartition", "customers-to-lookup-table", "customers-lookup-table",
                "customers-last-route-by-input-key", "customers-join-lookup-table", "write-output-topic")) {
            assertTrue(description.contains(name), name + " missing from\n" + description);
        }
    }

    private void start(Map<String, String> overrides) {
        EnricherConfig config = config(overrides);
        driver = driver(config);
        ByteArraySerializer bytes = new ByteArraySerializer();
        // One fixed timestamp: the versioned lookup table then answers with the row current at processing time.
        orders = driver.createInputTopic("orders", bytes, bytes, START, Duration.ZERO);
        customers = driver.createInputTopic("customers", bytes, bytes, START, Duration.ZERO);
        ByteArrayDeserializer fromBytes = new ByteArrayDeserializer();
        enriched = driver.createOutputTopic("enriched_orders", fromBytes, fromBytes);
    }

    private EnricherConfig config(Map<String, String> overrides) {
        Map<String, String> props = baseConfig(stateDir);
        props.put(EnricherConfig.LOOKUP_TOPIC_CONFIG, "customers");
        props.put(EnricherConfig.JOIN_FIELD_CONFIG, "customer_id");
        props.putAll(overrides);
        return new EnricherConfig(props);
    }

    private void customer(int id, String name, String city) {
        Struct customer = new Struct(CUSTOMER).put("id", id).put("name", name).put("city", city);
        customers.pipeInput(idKey("customers", id),
                VALUES.fromConnectData("customers", CUSTOMER, customer));
    }

    /** Pipes an order and returns its key bytes. */
    private byte[] order(int id, int customerId, String amount) {
        byte[] key = key(id);
        orders.pipeInput(key, VALUES.fromConnectData("orders", ORDER, order(ORDER, id, customerId, amount)));
        return key;
    }

    private void pipeOrderWithoutCustomer(int id) {
        Struct order = new Struct(ORDER_WITH_OPTIONAL_CUSTOMER).put("id", id).put("customer_id", null)
                .put("amount", new BigDecimal("1.00")).put("created_at", CREATED_AT);
        orders.pipeInput(key(id), VALUES.fromConnectData("orders", ORDER_WITH_OPTIONAL_CUSTOMER, order));
    }

    private static Struct order(Schema schema, int id, int customerId, String amount) {
        return new Struct(schema).put("id", id).put("customer_id", customerId)
                .put("amount", new BigDecimal(amount)).put("created_at", CREATED_AT);
    }

    private static byte[] key(int id) {
        return idKey("orders", id);
    }

    private static Struct value(KeyValue<byte[], byte[]> record) {
        return enrichedValue(record.value);
    }

    private static List<String> fieldNames(Schema schema) {
        return schema.fields().stream().map(Field::name).toList();
    }

    private static String messages(Throwable error) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    private static Schema orderSchema(Schema customerId) {
        return SchemaBuilder.struct()
                .field("id", Schema.INT32_SCHEMA)
                .field("customer_id", customerId)
                .field("amount", Decimal.schema(2))
                .field("created_at", Timestamp.SCHEMA)
                .build();
    }
}
