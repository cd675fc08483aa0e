package io.tablestream.e2e.sink;

import io.tablestream.e2e.sink.SinkTopics.Rec;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.await;
import static io.tablestream.e2e.sink.SinkTopics.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How the sink meets a table whose shape differs from the records, through the real worker: auto.evolve adds a field
 * that appears mid-stream as a column and widens a smallint to bigint; schemaless JSON goes to an existing table by
 * column name, and to a missing table fails naming topic and table.
 */
@ExtendWith(TablestreamStack.class)
record SinkSchemaEvolutionIT(Stack stack, ClassDatabase sink) {

    @Test
    void aFieldAddedMidStreamBecomesANullableColumnAndASmallintWidens() {
        Schema v1 = SchemaBuilder.struct().name("Customer").version(1)
                .field("id", Schema.INT64_SCHEMA)
                .field("name", Schema.STRING_SCHEMA)
                .field("score", Schema.OPTIONAL_INT16_SCHEMA)
                .build();
        Schema v2 = SchemaBuilder.struct().name("Customer").version(2)
                .field("id", Schema.INT64_SCHEMA)
                .field("name", Schema.STRING_SCHEMA)
                .field("score", Schema.OPTIONAL_INT64_SCHEMA)
                .field("Loyalty Tier", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        stack.kafka().createTopic("customers", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "customers", List.of(
                new Rec(null, null, v1, new Struct(v1).put("id", 1L).put("name", "ann").put("score", (short) 7)),
                new Rec(null, null, v1, new Struct(v1).put("id", 2L).put("name", "bob").put("score", null))));
        sink.deploy("customers-sink", ConnectorConfigs.sink(stack, sink.url(), "customers", "auto.create", "true",
                "auto.evolve", "true", "pk.mode", "record_value", "pk.fields", "id", "insert.mode", "upsert"));
        await("first schema's rows", 2L, () -> sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM customers")
                .mapTo(Long.class).one()), TIMEOUT);
        assertEquals(List.of(List.of("id", "bigint"), List.of("name", "text"), List.of("score", "smallint")),
                columns());

        SinkTopics.produce(stack.kafka().bootstrapServers(), "customers", List.of(
                new Rec(null, null, v2, new Struct(v2).put("id", 3L).put("name", "cy").put("score", 5_000_000_000L)
                        .put("Loyalty Tier", "gold")),
                new Rec(null, null, v2, new Struct(v2).put("id", 1L).put("name", "ann").put("score", 8L)
                        .put("Loyalty Tier", null)),
                new Rec(null, null, v1, new Struct(v1).put("id", 4L).put("name", "dee").put("score", (short) 1))));
        await("rows after the schema change", List.of(
                        Arrays.asList("1", "ann", "8", null),
                        Arrays.asList("2", "bob", null, null),
                        Arrays.asList("3", "cy", "5000000000", "gold"),
                        Arrays.asList("4", "dee", "1", null)),
                () -> rows(sink.db(), "SELECT id, name, score, \"Loyalty Tier\" FROM customers ORDER BY id"), TIMEOUT);
        assertEquals(List.of(List.of("id", "bigint", "true"), List.of("name", "text", "true"),
                List.of("score", "bigint", "false"), List.of("Loyalty Tier", "text", "false")),
                rows(sink.db(), "SELECT attname, format_type(atttypid, atttypmod), attnotnull::text FROM pg_attribute "
                        + "WHERE attrelid = 'customers'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"));
    }

    /**
     * A column added at the source with {@code ADD COLUMN ... DEFAULT} gives the rows already there its default
     * without any change event; Debezium puts the default into the field's schema. The evolved column takes that
     * default, so the rows written before read it here too, as do rows of the old schema that still arrive.
     */
    @Test
    void aFieldAddedWithADefaultGivesTheRowsWrittenBeforeItsDefault() {
        Schema v1 = SchemaBuilder.struct().name("Member").field("id", Schema.INT64_SCHEMA)
                .field("name", Schema.STRING_SCHEMA).build();
        Schema v2 = SchemaBuilder.struct().name("Member").field("id", Schema.INT64_SCHEMA)
                .field("name", Schema.STRING_SCHEMA)
                .field("tier", SchemaBuilder.string().optional().defaultValue("basic").build())
                .field("points", SchemaBuilder.int32().optional().defaultValue(0).build()).build();
        stack.kafka().createTopic("members", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "members", List.of(
                new Rec(null, null, v1, new Struct(v1).put("id", 1L).put("name", "ann")),
                new Rec(null, null, v1, new Struct(v1).put("id", 2L).put("name", "bob"))));
        sink.deploy("members-sink", ConnectorConfigs.sink(stack, sink.url(), "members", "auto.create", "true",
                "auto.evolve", "true", "pk.mode", "record_value", "pk.fields", "id", "insert.mode", "upsert"));
        await("first schema's rows", 2L, () -> sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM members")
                .mapTo(Long.class).one()), TIMEOUT);

        SinkTopics.produce(stack.kafka().bootstrapServers(), "members", List.of(
                new Rec(null, null, v2, new Struct(v2).put("id", 3L).put("name", "cy").put("tier", "gold")
                        .put("points", 5)),
                new Rec(null, null, v1, new Struct(v1).put("id", 4L).put("name", "dee"))));
        await("rows after the column was added", List.of(
                        List.of("1", "ann", "basic", "0"), List.of("2", "bob", "basic", "0"),
                        List.of("3", "cy", "gold", "5"), List.of("4", "dee", "basic", "0")),
                () -> rows(sink.db(), "SELECT id, name, tier, points FROM members ORDER BY id"), TIMEOUT);
    }

    /**
     * auto.create gives a created column the field's default value as auto.evolve gives an added one: a row that
     * leaves the column out (written by hand here, or a new key of an update whose unavailable columns are left out)
     * reads the default as it does at the source, not NULL.
     */
    @Test
    void aCreatedTableCarriesTheFieldsDefaults() {
        Schema value = SchemaBuilder.struct().name("Plan").field("id", Schema.INT64_SCHEMA)
                .field("tier", SchemaBuilder.string().defaultValue("basic").build())
                .field("points", SchemaBuilder.int32().optional().defaultValue(10).build())
                .field("note", SchemaBuilder.string().optional().defaultValue("it's").build())
                .field("plain", Schema.OPTIONAL_STRING_SCHEMA).build();
        stack.kafka().createTopic("plans", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "plans", List.of(
                new Rec(null, null, value, new Struct(value).put("id", 1L).put("tier", "gold").put("points", 5)
                        .put("note", "n").put("plain", "p"))));
        sink.deploy("plans-sink", ConnectorConfigs.sink(stack, sink.url(), "plans", "auto.create", "true",
                "pk.mode", "record_value", "pk.fields", "id", "insert.mode", "upsert"));
        await("the first row", 1L, () -> sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM plans")
                .mapTo(Long.class).one()), TIMEOUT);
        sink.db().useHandle(h -> h.execute("INSERT INTO plans (id) VALUES (2)"));
        assertEquals(List.of(Arrays.asList("1", "gold", "5", "n", "p"), Arrays.asList("2", "basic", "10", "it's", null)),
                rows(sink.db(), "SELECT id, tier, points, note, plain FROM plans ORDER BY id"));
    }

    private List<List<String>> columns() {
        return rows(sink.db(), "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                + "'customers'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
    }

    @Test
    void schemalessJsonGoesToAnExistingTableByColumnNameWithTheCatalogsTypes() {
        sink.db().useHandle(h -> h.execute("CREATE TABLE inventory (sku text PRIMARY KEY, qty integer NOT NULL, "
                + "price numeric(10,2), tags text[], attrs jsonb, seen timestamptz, active boolean, "
                + "note text DEFAULT 'none')"));
        stack.kafka().createTopic("inventory", 1);
        produceJson("inventory", List.of(
                new String[] {"{\"sku\": \"a-1\"}", "{\"sku\": \"a-1\", \"qty\": 5, \"price\": 12.5, "
                        + "\"tags\": [\"x\", \"y,z\"], \"attrs\": {\"k\": [1, 2]}, "
                        + "\"seen\": \"2024-02-29T23:30:15.123456Z\", \"active\": true}"},
                new String[] {"{\"sku\": \"b-2\"}", "{\"sku\": \"b-2\", \"qty\": 1}"},
                new String[] {"{\"sku\": \"a-1\"}", "{\"sku\": \"a-1\", \"qty\": 6, \"price\": 12.5, "
                        + "\"tags\": [], \"attrs\": {\"k\": null}, \"seen\": \"2024-02-29T23:30:15.123456Z\", "
                        + "\"active\": false}"},
                new String[] {"{\"sku\": \"c-3\"}", "{\"qty\": 3, \"sku\": \"c-3\", \"note\": \"tab\\there\"}"},
                new String[] {"{\"sku\": \"b-2\"}", null}));
        sink.deploy("inventory-sink", ConnectorConfigs.sink(stack, sink.url(), "inventory", "pk.mode", "record_key",
                "insert.mode", "upsert", "delete.enabled", "true",
                "key.converter", "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable", "false",
                "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable", "false"));
        await("schemaless rows", List.of(
                        Arrays.asList("a-1", "6", "12.50", "{}", "{\"k\": null}", "2024-02-29 23:30:15.123456", "false",
                                "none"),
                        Arrays.asList("c-3", "3", null, null, null, null, null, "tab\there")),
                () -> rows(sink.db(), "SELECT sku, qty, price, tags::text, attrs::text, (seen AT TIME ZONE 'UTC')::text, "
                        + "active::text, note FROM inventory ORDER BY sku"), TIMEOUT);

        stack.kafka().createTopic("ghost", 1);
        produceJson("ghost", List.<String[]>of(new String[] {null, "{\"id\": 1}"}));
        sink.create("ghost-sink", ConnectorConfigs.sink(stack, sink.url(), "ghost",
                "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable", "false"));
        await("the missing table named in the task's failure", true, () -> {
            Object trace = ((Map<?, ?>) ((List<?>) stack.rest().status("ghost-sink").get("tasks")).get(0)).get("trace");
            return trace != null && trace.toString().contains("Table public.ghost for the schemaless records of "
                    + "topic 'ghost' does not exist");
        }, TIMEOUT);
    }

    /** Produces {key, value} JSON texts (null for a null key or a tombstone) to partition 0. */
    private void produceJson(String topic, List<String[]> records) {
        try (KafkaProducer<byte[], byte[]> producer = SinkTopics.producer(stack.kafka().bootstrapServers())) {
            for (String[] r : records) {
                producer.send(new ProducerRecord<>(topic, 0, bytes(r[0]), bytes(r[1])));
            }
            producer.flush();
        }
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
