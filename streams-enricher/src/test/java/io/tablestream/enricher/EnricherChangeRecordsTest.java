package io.tablestream.enricher;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.tablestream.enricher.EnricherFixtures.KEYS;
import static io.tablestream.enricher.EnricherFixtures.VALUES;
import static io.tablestream.enricher.EnricherFixtures.baseConfig;
import static io.tablestream.enricher.EnricherFixtures.driver;
import static io.tablestream.enricher.EnricherFixtures.enrichedValue;
import static io.tablestream.enricher.EnricherFixtures.idKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The records of the CDC source as they reach the enricher: a delete as one tombstone with header {@code op=d}, as
 * a key-only value with {@code op=d}, or rewritten as the old row with {@code __deleted=true}; and an update whose
 * header {@code unavailable.columns} lists columns PostgreSQL did not log. Every semantics.
 */
class EnricherChangeRecordsTest {

    private static final Schema ORDER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.INT32_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema REWRITTEN_ORDER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.INT32_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA).field("__deleted", Schema.STRING_SCHEMA).build();
    private static final Schema CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();

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

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void aDeleteTombstoneWithOpHeaderDeletesTheEnrichedRow(String semantics) {
        start(semantics, "inner");
        customer(1, "Alice");
        order(100, 1, "first");
        orders.pipeInput(new TestRecord<>(orderKey(100), null, headers("op", "d"), Instant.ofEpochMilli(2_000)));

        List<TestRecord<byte[], byte[]>> out = enriched.readRecordsToList();

        assertEquals(List.of("100:Alice", "100:tombstone"), describe(out));
        assertEquals("d", header(out.get(1).headers(), "op"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void aDeleteWhoseValueIsTheOldKeyDeletesTheEnrichedRow(String semantics) {
        start(semantics, "inner");
        customer(1, "Alice");
        order(100, 1, "first");
        Schema keyOnly = EnricherFixtures.ID_KEY;
        orders.pipeInput(new TestRecord<>(orderKey(100), VALUES.fromConnectData("orders", keyOnly,
                new Struct(keyOnly).put("id", 100)), headers("op", "d"), Instant.ofEpochMilli(2_000)));

        assertEquals(List.of("100:Alice", "100:tombstone"), describe(enriched.readRecordsToList()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void aRewrittenDeleteDeletesTheEnrichedRow(String semantics) {
        start(semantics, "left");
        customer(1, "Alice");
        order(100, 1, "first");
        Struct deleted = new Struct(REWRITTEN_ORDER).put("id", 100).put("customer_id", 1).put("note", "first")
                .put("__deleted", "true");
        orders.pipeInput(new TestRecord<>(orderKey(100), VALUES.fromConnectData("orders", REWRITTEN_ORDER, deleted),
                headers("op", "d"), Instant.ofEpochMilli(2_000)));
        Struct kept = new Struct(REWRITTEN_ORDER).put("id", 101).put("customer_id", 1).put("note", "kept")
                .put("__deleted", "false");
        orders.pipeInput(new TestRecord<>(orderKey(101), VALUES.fromConnectData("orders", REWRITTEN_ORDER, kept),
                headers("op", "c"), Instant.ofEpochMilli(2_000)));

        assertEquals(List.of("100:Alice", "100:tombstone", "101:Alice"), describe(enriched.readRecordsToList()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void aDeletedLookupRowIsGoneWhateverFormTheDeleteTakes(String semantics) {
        start(semantics, "left");
        customer(1, "Alice");
        customer(2, "Bob");
        Schema keyOnly = EnricherFixtures.ID_KEY;
        customers.pipeInput(new TestRecord<>(idKey("customers", 1), VALUES.fromConnectData("customers", keyOnly,
                new Struct(keyOnly).put("id", 1)), headers("op", "d"), Instant.ofEpochMilli(1_500)));
        customers.pipeInput(new TestRecord<>(idKey("customers", 2), null, headers("op", "d"),
                Instant.ofEpochMilli(1_500)));
        // After the deletes: in stream semantics an order joins the customer row as of its timestamp.
        order(100, 1, "first", 2_000);
        order(101, 2, "second", 2_000);

        assertEquals(List.of("100:null", "101:null"), describe(enriched.readRecordsToList()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void unavailableColumnsHeaderIsKeptOnTheEnrichedRecord(String semantics) {
        start(semantics, "inner");
        customer(1, "Alice");
        Headers headers = headers("op", "u");
        headers.add("unavailable.columns", "[\"note\"]".getBytes(StandardCharsets.UTF_8));
        orders.pipeInput(new TestRecord<>(orderKey(100), VALUES.fromConnectData("orders", ORDER,
                new Struct(ORDER).put("id", 100).put("customer_id", 1).put("note", null)), headers,
                Instant.ofEpochMilli(2_000)));

        List<TestRecord<byte[], byte[]>> out = enriched.readRecordsToList();

        assertEquals(List.of("100:Alice"), describe(out));
        assertEquals("[\"note\"]", header(out.get(0).headers(), "unavailable.columns"));
        assertEquals("u", header(out.get(0).headers(), "op"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void anUnavailableJoinFieldIsDeadLetteredNotJoinedWithoutItsLookupRow(String semantics) {
        start(semantics, "left", Map.of(EnricherConfig.DEADLETTER_TOPIC_CONFIG, "enricher_dlq"));
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic("enricher_dlq",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        customer(1, "Alice");
        Headers headers = headers("op", "u");
        headers.add("unavailable.columns", "[\"note\",\"customer_id\"]".getBytes(StandardCharsets.UTF_8));
        orders.pipeInput(new TestRecord<>(orderKey(100), VALUES.fromConnectData("orders", ORDER,
                new Struct(ORDER).put("id", 100).put("customer_id", 0).put("note", null)), headers,
                Instant.ofEpochMilli(2_000)));
        order(101, 1, "next", 2_000);

        assertEquals(List.of("101:Alice"), describe(enriched.readRecordsToList()));
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(1, dead.size());
        String message = header(dead.get(0).headers(), "__streams.errors.message");
        assertTrue(message.contains("join field 'customer_id' in header unavailable.columns")
                && message.contains("REPLICA IDENTITY FULL"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void aLookupRowMissingACopiedColumnIsDeadLetteredNotJoinedWithNull(String semantics) {
        start(semantics, "inner", Map.of(EnricherConfig.DEADLETTER_TOPIC_CONFIG, "enricher_dlq"));
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic("enricher_dlq",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        customer(1, "Alice");
        customer(2, "Bob");
        // PostgreSQL did not log customer 1's unchanged name; customer 2's missing column is not copied.
        Schema withBio = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA).field("bio", Schema.OPTIONAL_STRING_SCHEMA).build();
        Headers nameMissing = headers("op", "u");
        nameMissing.add("unavailable.columns", "[\"name\"]".getBytes(StandardCharsets.UTF_8));
        customers.pipeInput(new TestRecord<>(idKey("customers", 1), VALUES.fromConnectData("customers", withBio,
                new Struct(withBio).put("id", 1).put("name", null).put("bio", "new")), nameMissing,
                Instant.ofEpochMilli(1_500)));
        Headers bioMissing = headers("op", "u");
        bioMissing.add("unavailable.columns", "[\"bio\"]".getBytes(StandardCharsets.UTF_8));
        customers.pipeInput(new TestRecord<>(idKey("customers", 2), VALUES.fromConnectData("customers", withBio,
                new Struct(withBio).put("id", 2).put("name", "Bobby").put("bio", null)), bioMissing,
                Instant.ofEpochMilli(1_500)));
        order(100, 1, "first", 2_000);
        order(101, 2, "second", 2_000);

        // Customer 1 keeps its earlier version instead of losing its name.
        assertEquals(List.of("100:Alice", "101:Bobby"), describe(enriched.readRecordsToList()));
        if (semantics.equals("global")) {
            return; // TopologyTestDriver does not capture the dead letters of a global store's processor
        }
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(1, dead.size());
        String message = header(dead.get(0).headers(), "__streams.errors.message");
        assertTrue(message.contains("lookup topic 'customers' lists column 'name'")
                && message.contains("REPLICA IDENTITY FULL"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void aLookupRowWithoutKeyIsDeadLetteredNotDroppedAndAKeylessDeleteIsSkipped(String semantics) {
        start(semantics, "left", Map.of(EnricherConfig.DEADLETTER_TOPIC_CONFIG, "enricher_dlq"));
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic("enricher_dlq",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        customer(1, "Alice");
        // A customers table without primary key: no record could ever find this row.
        customers.pipeInput(new TestRecord<>(null, VALUES.fromConnectData("customers", CUSTOMER,
                new Struct(CUSTOMER).put("id", 2).put("name", "Bob")), headers("op", "c"), Instant.ofEpochMilli(1_000)));
        // A truncate of the customers table: no key, no value.
        customers.pipeInput(new TestRecord<>(null, null, headers("op", "t"), Instant.ofEpochMilli(1_000)));
        order(100, 1, "first", 2_000);

        assertEquals(List.of("100:Alice"), describe(enriched.readRecordsToList()));
        if (semantics.equals("global")) {
            return; // TopologyTestDriver does not capture the dead letters of a global store's processor
        }
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(1, dead.size());
        String message = header(dead.get(0).headers(), "__streams.errors.message");
        assertTrue(message.contains("Lookup topic 'customers' has a row without key")
                && message.contains("primary key"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void aLookupRowLackingACopiedFieldIsDeadLetteredAndTheRecordsJoinItsPreviousVersion(String semantics) {
        start(semantics, "inner", Map.of(EnricherConfig.DEADLETTER_TOPIC_CONFIG, "enricher_dlq"));
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic("enricher_dlq",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        customer(1, "Alice");
        // Column name dropped from the customers table while lookup.fields still copies it.
        Schema withoutName = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("email", Schema.STRING_SCHEMA).build();
        customers.pipeInput(new TestRecord<>(idKey("customers", 1), VALUES.fromConnectData("customers",
                withoutName, new Struct(withoutName).put("id", 1).put("email", "a@example.com")),
                headers("op", "u"), Instant.ofEpochMilli(1_500)));
        order(100, 1, "first", 2_000);

        assertEquals(List.of("100:Alice"), describe(enriched.readRecordsToList()));
        if (semantics.equals("global")) {
            return;
        }
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertEquals(1, dead.size());
        assertEquals("customers", header(dead.get(0).headers(), "__streams.errors.topic"));
        String message = header(dead.get(0).headers(), "__streams.errors.message");
        assertTrue(message.contains("'name', which is not a field of this row of lookup topic 'customers'")
                && message.contains("lookup.fields"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void debeziumEnvelopesAreUnwrappedOnBothSides(String semantics) {
        start(semantics, "inner");
        Schema customerRow = SchemaBuilder.struct().name("dbz.public.customers.Value").optional()
                .field("id", Schema.INT32_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema orderRow = SchemaBuilder.struct().name("dbz.public.orders.Value").optional()
                .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.OPTIONAL_INT32_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        customers.pipeInput(new TestRecord<>(idKey("customers", 1), envelope("customers", customerRow, "r", null,
                new Struct(customerRow).put("id", 1).put("name", "Alice")), new RecordHeaders(),
                Instant.ofEpochMilli(1_000)));
        customers.pipeInput(new TestRecord<>(idKey("customers", 2), envelope("customers", customerRow, "c", null,
                new Struct(customerRow).put("id", 2).put("name", "Bob")), new RecordHeaders(),
                Instant.ofEpochMilli(1_000)));
        Struct order = new Struct(orderRow).put("id", 100).put("customer_id", 1).put("note", "first");
        orders.pipeInput(new TestRecord<>(orderKey(100), envelope("orders", orderRow, "c", null, order),
                new RecordHeaders(), Instant.ofEpochMilli(2_000)));
        Struct moved = new Struct(orderRow).put("id", 100).put("customer_id", 2).put("note", "moved");
        orders.pipeInput(new TestRecord<>(orderKey(100), envelope("orders", orderRow, "u", order, moved),
                new RecordHeaders(), Instant.ofEpochMilli(3_000)));
        orders.pipeInput(new TestRecord<>(orderKey(100), envelope("orders", orderRow, "d", moved, null),
                new RecordHeaders(), Instant.ofEpochMilli(4_000)));
        // Customer 1 deleted: a later order of customer 1 finds no row.
        customers.pipeInput(new TestRecord<>(idKey("customers", 1), envelope("customers", customerRow, "d",
                new Struct(customerRow).put("id", 1).put("name", "Alice"), null), new RecordHeaders(),
                Instant.ofEpochMilli(5_000)));
        orders.pipeInput(new TestRecord<>(orderKey(101), envelope("orders", orderRow, "c", null,
                new Struct(orderRow).put("id", 101).put("customer_id", 2).put("note", "second")),
                new RecordHeaders(), Instant.ofEpochMilli(6_000)));
        orders.pipeInput(new TestRecord<>(orderKey(102), envelope("orders", orderRow, "c", null,
                new Struct(orderRow).put("id", 102).put("customer_id", 1).put("note", "third")),
                new RecordHeaders(), Instant.ofEpochMilli(6_000)));

        List<TestRecord<byte[], byte[]>> out = enriched.readRecordsToList();

        assertEquals(List.of("100:Alice", "100:Bob", "100:tombstone", "101:Bob"), describe(out));
        Struct first = enrichedValue(out.get(0).value());
        assertEquals(List.of("id", "customer_id", "note", "customers_name"),
                first.schema().fields().stream().map(Field::name).toList());
        assertEquals("first", first.get("note"));
    }

    @Test
    void aGlobalLookupRowTheJoinCannotUseIsSkippedWithoutStoppingTheApp() {
        // No dead letter topic: the global store's processor runs again at every rebuild of the store, so a stop
        // would repeat for as long as the row stays in the topic.
        start("global", "inner");
        customer(1, "Alice");
        Schema withoutName = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("email", Schema.STRING_SCHEMA).build();
        customers.pipeInput(new TestRecord<>(idKey("customers", 1), VALUES.fromConnectData("customers",
                withoutName, new Struct(withoutName).put("id", 1).put("email", "a@example.com")),
                headers("op", "u"), Instant.ofEpochMilli(1_500)));
        order(100, 1, "first", 2_000);

        assertEquals(List.of("100:Alice"), describe(enriched.readRecordsToList()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "global", "table"})
    void eventsThatChangeNoRowAreSkippedAsTheSinkSkipsThem(String semantics) {
        start(semantics, "inner");
        customer(1, "Alice");
        order(100, 1, "first");
        Schema orderRow = SchemaBuilder.struct().name("dbz.public.orders.Value").optional()
                .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.OPTIONAL_INT32_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        // A truncate envelope: no after, and no delete of this key.
        orders.pipeInput(new TestRecord<>(orderKey(100), envelope("orders", orderRow, "t", null, null),
                new RecordHeaders(), Instant.ofEpochMilli(2_000)));
        Schema content = SchemaBuilder.struct().field("prefix", Schema.STRING_SCHEMA).build();
        Schema message = SchemaBuilder.struct().name("io.debezium.connector.postgresql.MessageValue")
                .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("message", content).build();
        byte[] messageEvent = VALUES.fromConnectData("orders", message, new Struct(message).put("op", "m")
                .put("ts_ms", 1L).put("message", new Struct(content).put("prefix", "audit")));
        orders.pipeInput(new TestRecord<>(orderKey(100), messageEvent, new RecordHeaders(),
                Instant.ofEpochMilli(2_000)));
        customers.pipeInput(new TestRecord<>(idKey("customers", 1), messageEvent, new RecordHeaders(),
                Instant.ofEpochMilli(2_000)));
        order(101, 1, "second", 3_000);

        assertEquals(List.of("100:Alice", "101:Alice"), describe(enriched.readRecordsToList()));
    }

    /** A change envelope as Debezium (and our source with envelope=debezium) writes it. */
    private static byte[] envelope(String topic, Schema rowSchema, String op, Struct before, Struct after) {
        Schema schema = SchemaBuilder.struct().name("dbz.public." + topic + ".Envelope")
                .field("before", rowSchema).field("after", rowSchema).field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
        return VALUES.fromConnectData(topic, schema, new Struct(schema).put("before", before).put("after", after)
                .put("op", op).put("ts_ms", 1L));
    }

    private void start(String semantics, String joinType) {
        start(semantics, joinType, Map.of());
    }

    private void start(String semantics, String joinType, Map<String, String> overrides) {
        Map<String, String> props = baseConfig(stateDir);
        props.put(EnricherConfig.LOOKUP_TOPIC_CONFIG, "customers");
        props.put(EnricherConfig.JOIN_FIELD_CONFIG, "customer_id");
        props.put(EnricherConfig.LOOKUP_FIELDS_CONFIG, "name");
        props.put(EnricherConfig.LOOKUP_SEMANTICS_CONFIG, semantics);
        props.put(EnricherConfig.JOIN_TYPE_CONFIG, joinType);
        props.putAll(overrides);
        driver = driver(new EnricherConfig(props));
        ByteArraySerializer bytes = new ByteArraySerializer();
        orders = driver.createInputTopic("orders", bytes, bytes);
        customers = driver.createInputTopic("customers", bytes, bytes);
        enriched = driver.createOutputTopic("enriched_orders", new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private void customer(int id, String name) {
        customers.pipeInput(new TestRecord<>(idKey("customers", id), VALUES.fromConnectData("customers", CUSTOMER,
                new Struct(CUSTOMER).put("id", id).put("name", name)), headers("op", "r"), Instant.ofEpochMilli(1_000)));
    }

    private void order(int id, int customerId, String note) {
        order(id, customerId, note, 1_000);
    }

    private void order(int id, int customerId, String note, long timestamp) {
        orders.pipeInput(new TestRecord<>(orderKey(id), VALUES.fromConnectData("orders", ORDER,
                new Struct(ORDER).put("id", id).put("customer_id", customerId).put("note", note)),
                headers("op", "c"), Instant.ofEpochMilli(timestamp)));
    }

    private static byte[] orderKey(int id) {
        return idKey("orders", id);
    }

    private static Headers headers(String name, String value) {
        return new RecordHeaders().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        assertNotNull(header, name + " missing from " + headers);
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Each output record as "orderId:customerName" or "orderId:tombstone". */
    private static List<String> describe(List<TestRecord<byte[], byte[]>> records) {
        return records.stream().map(record -> {
            Object id = ((Struct) KEYS.toConnectData("orders", record.key()).value()).get("id");
            if (record.value() == null) {
                return id + ":tombstone";
            }
            Struct value = enrichedValue(record.value());
            return id + ":" + (value.schema().field("customers_name") == null ? null : value.get("customers_name"));
        }).toList();
    }
}
