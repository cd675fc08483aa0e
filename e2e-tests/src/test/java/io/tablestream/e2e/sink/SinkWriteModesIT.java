package io.tablestream.e2e.sink;

import io.tablestream.e2e.sink.SinkTopics.Rec;
import io.tablestream.jdbc.types.SchemaNames;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.await;
import static io.tablestream.e2e.sink.SinkTopics.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sink's write paths through the real worker: COPY and batch give identical tables from hostile values and
 * identifiers, upsert/update/delete from tombstones and change envelopes, dead-lettered bad records, and a killed
 * database connection mid-load.
 */
@ExtendWith(TablestreamStack.class)
record SinkWriteModesIT(Stack stack, ClassDatabase sink) {

    @Test
    void copyAndBatchWriteIdenticalTablesFromHostileValuesAndNames() {
        Schema value = SchemaBuilder.struct().name("Hostile")
                .field("id", Schema.INT64_SCHEMA)
                .field("Mixed Case", Schema.OPTIONAL_STRING_SCHEMA)
                .field("select", Schema.OPTIONAL_BYTES_SCHEMA)
                .field("quo\"te", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
                .field("amount", Decimal.builder(3).parameter("connect.decimal.precision", "12").optional().build())
                .field("at", SchemaBuilder.int64().name(SchemaNames.TIMESTAMP_MICROS).optional().build())
                .field("doc", SchemaBuilder.string().name(SchemaNames.JSON).optional().build())
                .field("ref", SchemaBuilder.string().name(SchemaNames.UUID).optional().build())
                .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).optional()
                        .build())
                .build();
        String[] texts = {"back\\slash", "tab\there", "new\nline", "cr\rlf", "\\N", "", "quote\"'", "ünï€😀",
                "{braces,\"and\"}", "NULL", null};
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            Map<String, String> attrs = new TreeMap<>();
            attrs.put("k\t" + i, texts[i]);
            records.add(new Rec(null, null, value, new Struct(value)
                    .put("id", (long) i)
                    .put("Mixed Case", texts[i])
                    .put("select", texts[i] == null ? null : (texts[i] + "\0\\").getBytes(StandardCharsets.UTF_8))
                    .put("quo\"te", Arrays.asList(texts[i], "a,b", null, "\\"))
                    .put("amount", new BigDecimal("-12345.678").add(BigDecimal.valueOf(i)))
                    .put("at", 1_709_249_415_123_456L + i)
                    .put("doc", "{\"text\": \"" + (texts[i] == null ? "" : texts[i].replace("\\", "\\\\")
                            .replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r"))
                            + "\"}")
                    .put("ref", new UUID(i, 42).toString())
                    .put("attrs", attrs)));
        }
        stack.kafka().createTopic("hostile", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "hostile", records);
        for (String method : List.of("copy", "batch")) {
            sink.deploy("hostile-" + method, ConnectorConfigs.sink(stack, sink.url(), "hostile", "write.method", method,
                    "auto.create", "true", "table.name.format", "\"Hostile ${topic} " + method + "\"",
                    "pk.mode", "record_value", "pk.fields", "id", "insert.mode", "upsert"));
        }
        for (String method : List.of("copy", "batch")) {
            await(method + " rows", (long) texts.length, () -> sink.db().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM \"Hostile hostile " + method + "\"").mapTo(Long.class).one()), TIMEOUT);
        }

        String select = "SELECT id, \"Mixed Case\", encode(\"select\", 'hex'), \"quo\"\"te\"::text, amount::text,"
                + " at::text, doc::text, ref::text, attrs::text FROM \"Hostile hostile %s\" ORDER BY id";
        List<List<String>> copy = rows(sink.db(), select.formatted("copy"));
        assertEquals(copy, rows(sink.db(), select.formatted("batch")), "copy and batch give identical tables");
        List<String> first = copy.get(0);
        assertEquals(List.of("0", "back\\slash", "6261636b5c736c617368005c", "{\"back\\\\slash\",\"a,b\",NULL,\"\\\\\"}",
                "-12345.678", "2024-02-29 23:30:15.123456", "{\"text\": \"back\\\\slash\"}",
                "00000000-0000-0000-0000-00000000002a", "{\"k\\t0\": \"back\\\\slash\"}"), first);
        for (int i = 0; i < texts.length; i++) {
            assertEquals(texts[i], copy.get(i).get(1), "value " + i + " survives COPY escaping");
        }
        assertEquals(Arrays.asList("10", null, null, "{NULL,\"a,b\",NULL,\"\\\\\"}", "-12335.678",
                "2024-02-29 23:30:15.123466", "{\"text\": \"\"}", "00000000-0000-000a-0000-00000000002a",
                "{\"k\\t10\": null}"), copy.get(10));
        assertEquals(List.of(List.of("id", "bigint"), List.of("Mixed Case", "text"), List.of("select", "bytea"),
                        List.of("quo\"te", "text[]"), List.of("amount", "numeric(12,3)"),
                        List.of("at", "timestamp without time zone"), List.of("doc", "jsonb"), List.of("ref", "uuid"),
                        List.of("attrs", "jsonb")),
                rows(sink.db(), "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                        + "'\"Hostile hostile copy\"'::regclass AND attnum > 0 ORDER BY attnum"));
    }

    @Test
    void upsertUpdateAndDeletesFromTombstonesAndEnvelopes() {
        Schema key = SchemaBuilder.struct().name("Key").field("id", Schema.INT32_SCHEMA).build();
        Schema row = SchemaBuilder.struct().name("Row").optional().field("id", Schema.INT32_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema envelope = SchemaBuilder.struct().name("dbserver.public.items.Envelope")
                .field("before", row).field("after", row).field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
        List<Rec> plain = List.of(
                new Rec(key, k(key, 1), row, r(row, 1, "one")),
                new Rec(key, k(key, 2), row, r(row, 2, "two")),
                new Rec(key, k(key, 3), row, r(row, 3, "three")),
                new Rec(key, k(key, 1), row, r(row, 1, "one again")),
                new Rec(key, k(key, 2), null, null), // tombstone: delete 2
                new Rec(key, k(key, 3), null, null),
                new Rec(key, k(key, 3), row, r(row, 3, "three is back"))); // re-insert after delete, same flush
        List<Rec> changes = List.of(
                new Rec(key, k(key, 1), envelope, e(envelope, null, r(row, 1, "a"), "c")),
                new Rec(key, k(key, 2), envelope, e(envelope, null, r(row, 2, "b"), "r")),
                new Rec(key, k(key, 1), envelope, e(envelope, r(row, 1, "a"), r(row, 1, "a2"), "u")),
                new Rec(key, k(key, 2), envelope, e(envelope, r(row, 2, "b"), null, "d")),
                new Rec(key, k(key, 2), null, null)); // Debezium's tombstone after the delete
        stack.kafka().createTopic("items", 1);
        stack.kafka().createTopic("items_cdc", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "items", plain);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "items_cdc", changes);
        for (String method : List.of("copy", "batch")) {
            sink.deploy("items-" + method, ConnectorConfigs.sink(stack, sink.url(), "items,items_cdc", "write.method", method,
                    "auto.create", "true", "table.name.format", "${topic}_" + method, "pk.mode", "record_key",
                    "insert.mode", "upsert", "delete.enabled", "true"));
            await("items via " + method, List.of(List.of("1", "one again"), List.of("3", "three is back")),
                    () -> rows(sink.db(), "SELECT id, name FROM items_" + method + " ORDER BY id"), TIMEOUT);
            await("items_cdc via " + method, List.of(List.of("1", "a2")),
                    () -> rows(sink.db(), "SELECT id, name FROM items_cdc_" + method + " ORDER BY id"), TIMEOUT);
        }

        // update mode changes existing rows only
        sink.db().useHandle(h -> h.execute("CREATE TABLE items_upd (id int PRIMARY KEY, name text)"));
        sink.db().useHandle(h -> h.execute("INSERT INTO items_upd VALUES (1, 'old'), (5, 'untouched')"));
        stack.kafka().createTopic("items_upd", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "items_upd", List.of(
                new Rec(key, k(key, 1), row, r(row, 1, "new")), new Rec(key, k(key, 9), row, r(row, 9, "absent"))));
        sink.deploy("items-update", ConnectorConfigs.sink(stack, sink.url(), "items_upd", "pk.mode", "record_key",
                "insert.mode", "update"));
        await("updated rows", List.of(List.of("1", "new"), List.of("5", "untouched")),
                () -> rows(sink.db(), "SELECT id, name FROM items_upd ORDER BY id"), TIMEOUT);
    }

    /**
     * In insert mode a repeated key starts a new pass of the same transaction; the deletes of a later pass go through
     * the same staging table as an earlier pass's, which must not delete the earlier pass's keys again: key 1,
     * deleted in the second pass and inserted again in the third, stays.
     */
    @Test
    void insertModeDeletesInLaterPassesOfOneTransactionDeleteOnlyTheirKeys() {
        Schema key = SchemaBuilder.struct().name("PassKey").field("id", Schema.INT32_SCHEMA).build();
        Schema row = SchemaBuilder.struct().name("PassRow").optional().field("id", Schema.INT32_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
        stack.kafka().createTopic("passes", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "passes", List.of(
                new Rec(key, k(key, 1), row, r(row, 1, "one")),
                new Rec(key, k(key, 2), row, r(row, 2, "two")),
                new Rec(key, k(key, 1), null, null),
                new Rec(key, k(key, 1), row, r(row, 1, "one is back")),
                new Rec(key, k(key, 2), null, null)));
        for (String method : List.of("copy", "batch")) {
            sink.deploy("passes-" + method, ConnectorConfigs.sink(stack, sink.url(), "passes", "write.method", method,
                    "auto.create", "true", "table.name.format", "passes_" + method, "pk.mode", "record_key",
                    "insert.mode", "insert", "delete.enabled", "true"));
            await("passes via " + method, List.of(List.of("1", "one is back")),
                    () -> rows(sink.db(), "SELECT id, name FROM passes_" + method + " ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * An upsert by COPY first copies a chunk straight into the table, as if its keys were new, and merges through the
     * staging table when one is not: chunks of new keys, of existing keys and of both, against rows already there,
     * end the same as by batch.
     */
    @Test
    void upsertsOfNewAndExistingKeysGiveTheSameTableByCopyAndBatch() {
        Schema value = SchemaBuilder.struct().name("Stock").field("id", Schema.INT32_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        List<Rec> records = new ArrayList<>();
        IntStream.range(100, 130).forEach(i -> records.add(new Rec(null, null, value,
                new Struct(value).put("id", i).put("note", "new " + i))));
        IntStream.range(0, 30).forEach(i -> records.add(new Rec(null, null, value,
                new Struct(value).put("id", i).put("note", "updated " + i))));
        IntStream.range(125, 140).forEach(i -> records.add(new Rec(null, null, value,
                new Struct(value).put("id", i).put("note", "again " + i))));
        stack.kafka().createTopic("stock", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "stock", records);
        for (String method : List.of("copy", "batch")) {
            sink.db().useHandle(h -> h.execute("CREATE TABLE stock_" + method + " (id int PRIMARY KEY, note text)"));
            sink.db().useHandle(h -> h.execute("INSERT INTO stock_" + method
                    + " SELECT i, 'old ' || i FROM generate_series(0, 49) i"));
            sink.deploy("stock-" + method, ConnectorConfigs.sink(stack, sink.url(), "stock", "write.method", method,
                    "table.name.format", "${topic}_" + method, "pk.mode", "record_value", "pk.fields", "id",
                    "insert.mode", "upsert", "batch.size", "10"));
        }
        List<List<String>> expected = new ArrayList<>();
        IntStream.range(0, 50).forEach(i -> expected.add(List.of(String.valueOf(i), (i < 30 ? "updated " : "old ") + i)));
        IntStream.range(100, 140).forEach(i -> expected.add(List.of(String.valueOf(i), (i < 125 ? "new " : "again ") + i)));
        for (String method : List.of("copy", "batch")) {
            await("stock via " + method, expected,
                    () -> rows(sink.db(), "SELECT id, note FROM stock_" + method + " ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * Records of several puts share a transaction, up to batch.size: 2,000 records handed 20 per put are written by
     * far fewer than 100 statements (a statement-level trigger counts them), and every record once.
     */
    @Test
    void smallPutsAreBufferedIntoTransactionsOfUpToBatchSize() {
        Schema value = SchemaBuilder.struct().name("Small").field("id", Schema.INT64_SCHEMA)
                .field("note", Schema.STRING_SCHEMA).build();
        sink.db().useHandle(h -> {
            h.execute("CREATE TABLE buffered (id bigint NOT NULL, note text NOT NULL)");
            h.execute("CREATE TABLE buffered_statements (at timestamptz NOT NULL DEFAULT clock_timestamp())");
            h.execute("CREATE FUNCTION count_buffered_statement() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN INSERT INTO buffered_statements DEFAULT VALUES; RETURN NULL; END $$");
            h.execute("CREATE TRIGGER buffered_statements AFTER INSERT ON buffered FOR EACH STATEMENT"
                    + " EXECUTE FUNCTION count_buffered_statement()");
        });
        List<Rec> records = new ArrayList<>();
        LongStream.range(0, 2000).forEach(i -> records.add(new Rec(null, null, value,
                new Struct(value).put("id", i).put("note", "n" + i))));
        stack.kafka().createTopic("buffered", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "buffered", records);
        sink.deploy("buffered", ConnectorConfigs.sink(stack, sink.url(), "buffered", "batch.size", "1000",
                "consumer.override.max.poll.records", "20", "offsets.table.name", "buffered_offsets"));
        await("every record once", List.of(List.of("2000", "2000")), () -> rows(sink.db(),
                "SELECT count(*), count(DISTINCT id) FROM buffered"), TIMEOUT);
        long statements = sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM buffered_statements")
                .mapTo(Long.class).one());
        assertTrue(statements <= 50, statements + " statements for 100 puts of 20 records");
    }

    @Test
    void badRecordsGoToTheDeadLetterQueueWithTheGoodOnesWritten() {
        sink.db().useHandle(h -> h.execute("CREATE TABLE payments (id bigint, amount int NOT NULL CHECK (amount >= 0))"));
        Schema value = SchemaBuilder.struct().name("Payment").field("id", Schema.INT64_SCHEMA)
                .field("amount", Schema.OPTIONAL_INT32_SCHEMA).build();
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Integer amount = i == 7 ? Integer.valueOf(-1) : i == 31 ? null : Integer.valueOf(i * 10);
            records.add(new Rec(null, null, value, new Struct(value).put("id", (long) i).put("amount", amount)));
        }
        stack.kafka().createTopic("payments", 1);
        stack.kafka().createTopic("payments-dlq", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "payments", records);
        sink.deploy("payments-sink", ConnectorConfigs.sink(stack, sink.url(), "payments", "errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", "payments-dlq", "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));
        assertEquals("payments-dlq", stack.rest().connectorConfig("payments-sink").get("errors.deadletterqueue.topic.name"),
                stack.rest().connectorConfig("payments-sink").toString());

        await("good payments", 48L, () -> sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM payments")
                .mapTo(Long.class).one()), TIMEOUT);
        assertEquals(List.of(List.of("48", String.valueOf((1225 - 7 - 31) * 10))),
                rows(sink.db(), "SELECT count(DISTINCT id), sum(amount) FROM payments WHERE id NOT IN (7, 31)"));
        Map<Long, String> dead = readDeadLetters("payments-dlq", 2);
        assertEquals(List.of(7L, 31L), new ArrayList<>(dead.keySet()));
        assertTrue(dead.get(7L).contains("payments_amount_check"), dead.toString());
        assertTrue(dead.get(31L).contains("amount"), dead.toString());
    }

    @Test
    void aTerminatedConnectionIsRetriedWithoutLossOrDuplicates() {
        int n = 30_000;
        Schema value = SchemaBuilder.struct().name("Event").field("id", Schema.INT64_SCHEMA)
                .field("payload", Schema.STRING_SCHEMA).build();
        List<Rec> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(new Rec(null, null, value, new Struct(value).put("id", (long) i).put("payload", "p" + i)));
        }
        stack.kafka().createTopic("events", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "events", records);
        sink.deploy("events-sink", ConnectorConfigs.sink(stack, sink.url(), "events", "auto.create", "true",
                "retry.backoff.ms", "200", "batch.size", "500", "consumer.override.max.poll.records", "500"));

        await("load started", true, () -> count("events") > 0, TIMEOUT);
        int terminated = sink.db().withHandle(h -> h.createQuery("SELECT count(pg_terminate_backend(pid)) FROM "
                + "pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
                .mapTo(Integer.class).one());
        assertTrue(terminated >= 1, "the sink's connection was found and terminated");

        await("all events", (long) n, () -> count("events"), TIMEOUT);
        assertEquals(List.of(List.of(String.valueOf(n), String.valueOf((long) n * (n - 1) / 2))),
                rows(sink.db(), "SELECT count(DISTINCT id), sum(id) FROM events WHERE payload = 'p' || id"));
        assertEquals("RUNNING", ((Map<?, ?>) ((List<?>) stack.rest().status("events-sink").get("tasks")).get(0))
                .get("state"));
    }

    private long count(String table) {
        return sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    /** Offset of each dead-lettered record to its exception message header. */
    private Map<Long, String> readDeadLetters(String topic, int expected) {
        Map<Long, String> dead = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicReader.records(stack.kafka().bootstrapServers(), topic,
                expected, TIMEOUT)) {
            dead.put(Long.parseLong(header(record, "__connect.errors.offset")),
                    header(record, "__connect.errors.exception.message"));
        }
        return dead;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Struct k(Schema key, int id) {
        return new Struct(key).put("id", id);
    }

    private static Struct r(Schema row, int id, String name) {
        return new Struct(row).put("id", id).put("name", name);
    }

    private static Struct e(Schema envelope, Struct before, Struct after, String op) {
        return new Struct(envelope).put("before", before).put("after", after).put("op", op);
    }
}
