package io.tablestream.e2e.sink;

import io.tablestream.e2e.LogCapture;
import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.e2e.sink.SinkTopics.Rec;
import io.tablestream.jdbc.types.SchemaNames;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.logging.log4j.Level;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.math.BigInteger;
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

    /**
     * COPY is binary for a table whose every column type has a binary form for its field's schema, text otherwise:
     * the same records (edge values, NULLs, repeated keys, a delete) give the same table by binary COPY, by text COPY
     * (a domain column makes that table text) and by batch.
     */
    @Test
    void binaryCopyWritesEveryTypeItHandlesAsTextCopyAndBatchDo() {
        Schema key = SchemaBuilder.struct().name("BinKey").field("id", Schema.INT64_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("Bin")
                .field("id", Schema.INT64_SCHEMA)
                .field("i2", Schema.OPTIONAL_INT16_SCHEMA)
                .field("i4", Schema.OPTIONAL_INT32_SCHEMA)
                .field("i8", Schema.OPTIONAL_INT64_SCHEMA)
                .field("i4_of_i2", Schema.OPTIONAL_INT16_SCHEMA)
                .field("f4", Schema.OPTIONAL_FLOAT32_SCHEMA)
                .field("f8", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .field("n", Decimal.builder(8).optional().build())
                .field("n_free", Decimal.builder(0).optional().build())
                .field("n_neg", Decimal.builder(-3).optional().build())
                .field("b", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                .field("t", Schema.OPTIONAL_STRING_SCHEMA)
                .field("vc", Schema.OPTIONAL_STRING_SCHEMA)
                .field("bp", Schema.OPTIONAL_STRING_SCHEMA)
                .field("ts", org.apache.kafka.connect.data.Timestamp.builder().optional().build())
                .field("tstz", org.apache.kafka.connect.data.Timestamp.builder().optional().build())
                .field("ts_micros", SchemaBuilder.int64().name(SchemaNames.TIMESTAMP_MICROS).optional().build())
                .field("tstz_micros", SchemaBuilder.int64().name(SchemaNames.TIMESTAMPTZ_MICROS).optional().build())
                .field("d", org.apache.kafka.connect.data.Date.builder().optional().build())
                .field("u", SchemaBuilder.string().name(SchemaNames.UUID).optional().build())
                .field("by", Schema.OPTIONAL_BYTES_SCHEMA)
                .build();
        long[] millis = {0L, 946_684_799_999L, -2_208_988_800_000L, -62_135_596_800_000L - 86_400_000L * 366,
                253_402_300_799_999L, 6_249_223_680_000_000L, 1_709_249_415_123L, 946_684_800_000L};
        long[] micros = {Long.MAX_VALUE, Long.MIN_VALUE, -1L, 946_684_800_000_000L, -210_866_803_200_000_000L,
                9_223_372_036_854_775_000L, 1_709_249_415_123_456L, 0L};
        long[] days = {0L, 10_956L, 10_957L, -719_162L, 2_932_896L, -719_528L, 19_782L, -1L};
        String[] texts = {"", "ünï€😀 ", "tab\t\\N\nline", "NULL", "x".repeat(20), "\\", "ab", "a'b\"c"};
        BigDecimal[] decimals = {new BigDecimal("0E-8"), new BigDecimal("-0.00000001"),
                new BigDecimal("1234567890123456789012.12345678"), new BigDecimal("-99.50000000"),
                new BigDecimal("0.00010000"), new BigDecimal("10000.00000000"), new BigDecimal("-9999.99999999"),
                new BigDecimal("1.00000001")};
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < millis.length; i++) {
            records.add(new Rec(key, new Struct(key).put("id", (long) i), value, new Struct(value)
                    .put("id", (long) i)
                    .put("i2", (short) (i % 2 == 0 ? Short.MIN_VALUE + i : Short.MAX_VALUE - i))
                    .put("i4", i % 2 == 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE - i)
                    .put("i8", i % 2 == 0 ? Long.MIN_VALUE + i : Long.MAX_VALUE)
                    .put("i4_of_i2", (short) -i)
                    .put("f4", new float[]{0f, -0f, 1.1f, Float.MAX_VALUE, Float.MIN_VALUE, -3.4e-38f, 1e10f, 7f}[i])
                    .put("f8", new double[]{0d, -0d, 1.1d, Double.MAX_VALUE, Double.MIN_VALUE, -1e-300, 0.1 + 0.2,
                            Math.PI}[i])
                    .put("n", decimals[i])
                    .put("n_free", new BigDecimal("123456789012345678901234567890123456789012345678901234567890")
                            .multiply(BigDecimal.valueOf(i % 2 == 0 ? -i : i)))
                    .put("n_neg", new BigDecimal(BigInteger.valueOf(12_345L * (i - 3)), -3))
                    .put("b", i % 2 == 0)
                    .put("t", texts[i])
                    .put("vc", texts[(i + 1) % texts.length].isEmpty() ? "y" : texts[(i + 1) % texts.length]
                            .substring(0, Math.min(20, texts[(i + 1) % texts.length].length())))
                    .put("bp", new String[]{"", "ab", "abcde", "ü", "x", "\\", "a b", "'"}[i])
                    .put("ts", new java.util.Date(millis[i]))
                    .put("tstz", new java.util.Date(millis[(i + 3) % millis.length]))
                    .put("ts_micros", micros[i])
                    .put("tstz_micros", micros[(i + 5) % micros.length])
                    .put("d", new java.util.Date(days[i] * 86_400_000L))
                    .put("u", new UUID(-i, i * 7919L).toString())
                    .put("by", new byte[][]{{}, {0}, {(byte) 0xff, 0, '\\', '\n'}, "ü".getBytes(StandardCharsets.UTF_8),
                            new byte[300], {1}, {'\t'}, {(byte) 0x80}}[i])));
        }
        records.add(new Rec(key, new Struct(key).put("id", 100L), value, new Struct(value).put("id", 100L)));
        // a repeated key: the last record wins
        records.add(new Rec(key, new Struct(key).put("id", 3L), value, new Struct(value).put("id", 3L)));
        records.add(new Rec(key, new Struct(key).put("id", 7L), null, null)); // delete
        stack.kafka().createTopic("binary_types", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "binary_types", records);
        String columns = "(id bigint PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, i4_of_i2 integer, f4 real,"
                + " f8 double precision, n numeric(30,8), n_free numeric, n_neg numeric(20,0), b boolean, t %s,"
                + " vc varchar(20), bp char(5), ts timestamp, tstz timestamptz, ts_micros timestamp,"
                + " tstz_micros timestamptz, d date, u uuid, by bytea)";
        sink.db().useHandle(h -> h.execute("CREATE DOMAIN plain_text AS text"));
        Map<String, String> tables = Map.of("copy", "text", "textcopy", "plain_text", "batch", "text");
        try (LogCapture logs = LogCapture.capture()) {
            tables.forEach((name, textType) -> {
                sink.db().useHandle(h -> h.execute("CREATE TABLE binary_types_" + name + " " + columns.formatted(
                        textType)));
                sink.deploy("binary-types-" + name, ConnectorConfigs.sink(stack, sink.url(), "binary_types",
                        "write.method", name.equals("batch") ? "batch" : "copy", "table.name.format",
                        "${topic}_" + name, "pk.mode", "record_key", "insert.mode", "upsert", "delete.enabled",
                        "true"));
            });
            String select = "SELECT id, i2, i4, i8, i4_of_i2, f4::text, f8::text, n::text, n_free::text, n_neg::text,"
                    + " b, t::text, vc, bp::text, ts::text, tstz::text, ts_micros::text, tstz_micros::text, d::text,"
                    + " u::text, encode(by, 'hex') FROM binary_types_%s ORDER BY id";
            for (String name : tables.keySet()) { // row 100 there and row 7 deleted: every record is written
                await(name + " rows", 1L, () -> sink.db().withHandle(h -> h.createQuery(
                        "SELECT count(*) FILTER (WHERE id = 100) - count(*) FILTER (WHERE id = 7) FROM binary_types_"
                                + name).mapTo(Long.class).one()), TIMEOUT);
            }
            List<List<String>> binary = rows(sink.db(), select.formatted("copy"));
            assertEquals(rows(sink.db(), select.formatted("batch")), binary, "binary COPY and batch");
            assertEquals(rows(sink.db(), select.formatted("textcopy")), binary, "binary COPY and text COPY");
            assertEquals(List.of("0", "-32768", "-2147483648", "-9223372036854775808", "0", "0", "0", "0.00000000",
                    "0", "-37035000", "t", "", "ünï€😀 ", "", "1970-01-01 00:00:00", "0001-01-01 00:00:00+00 BC",
                    "infinity", "294247-01-10 04:00:54.775+00", "1970-01-01", "00000000-0000-0000-0000-000000000000",
                    ""), binary.get(0), "extremes, empty strings and bytes, infinity, far future, before year 1");
            assertEquals(List.of("5", "32762", "2147483642", "9223372036854775807", "-5", "-3.4e-38", "-1e-300",
                    "10000.00000000", "617283945061728394506172839450617283945061728394506172839450", "24690000",
                    "f", "\\", "ab", "\\", "200000-01-06 18:40:00", "1970-01-01 00:00:00+00",
                    "294247-01-10 04:00:54.775", "1969-12-31 23:59:59.999999+00", "0001-01-01 BC",
                    "ffffffff-ffff-fffb-0000-000000009aab", "01"), binary.get(5));
            assertEquals(List.of("6", "-32762", "-2147483648", "-9223372036854775802", "-6", "1e+10",
                    "0.30000000000000004", "-9999.99999999",
                    "-740740734074074073407407407340740740734074074073407407407340", "37035000", "t", "ab",
                    "a'b\"c", "a b", "2024-02-29 23:30:15.123", "1999-12-31 23:59:59.999+00",
                    "2024-02-29 23:30:15.123456", "2000-01-01 00:00:00+00", "2024-02-29",
                    "ffffffff-ffff-fffa-0000-00000000b99a", "09"), binary.get(6));
            assertEquals(List.of("4", "4714-11-24 00:00:00 BC", "-infinity", "9999-12-31", "0".repeat(600)),
                    List.of(binary.get(4).get(0), binary.get(4).get(16), binary.get(4).get(17),
                            binary.get(4).get(18), binary.get(4).get(20)), "the earliest timestamp, -infinity");
            assertEquals(Arrays.asList("100", null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, null), binary.get(binary.size() - 1), "NULLs");
            List<String> planned = logs.messages(Level.INFO).stream().filter(m -> m.contains("binary_types_")).toList();
            assertTrue(planned.stream().anyMatch(m -> m.contains("binary_types_copy") && m.contains("COPY binary")),
                    String.valueOf(planned));
            assertTrue(planned.stream().noneMatch(m -> m.contains("binary_types_textcopy") && m.contains("binary,")),
                    String.valueOf(planned));
        }

        // A column type changed under a binary plan: the plan is made for the new type, the row lands as sent.
        sink.db().useHandle(h -> h.execute("ALTER TABLE binary_types_copy ALTER COLUMN i4 TYPE bigint,"
                + " ALTER COLUMN i2 TYPE integer"));
        SinkTopics.produce(stack.kafka().bootstrapServers(), "binary_types", List.of(new Rec(key,
                new Struct(key).put("id", 200L), value, new Struct(value).put("id", 200L).put("i2", (short) -7)
                .put("i4", 123_456).put("t", "after the change"))));
        await("the row after the type change", List.of(List.of("200", "-7", "123456", "after the change")),
                () -> rows(sink.db(), "SELECT id, i2, i4, t FROM binary_types_copy WHERE id = 200"), TIMEOUT);
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
     * With auto.create, a topic whose first records are deletes (an order inserted and deleted before the sink ran,
     * its change records compacted or filtered away): the table does not exist yet, so there is nothing to delete and
     * nothing to create it from; the deletes write nothing and the rows after them create the table.
     */
    @Test
    void deletesBeforeAutoCreateMadeTheTableWriteNothing() {
        Schema key = SchemaBuilder.struct().name("EarlyKey").field("id", Schema.INT32_SCHEMA).build();
        Schema row = SchemaBuilder.struct().name("EarlyRow").optional().field("id", Schema.INT32_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
        stack.kafka().createTopic("early_deletes", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "early_deletes", List.of(
                new Rec(key, k(key, 7), null, null), new Rec(key, k(key, 8), null, null)));
        sink.deploy("early-deletes", ConnectorConfigs.sink(stack, sink.url(), "early_deletes", "auto.create", "true",
                "pk.mode", "record_key", "insert.mode", "upsert", "delete.enabled", "true"));
        // The deletes are the task's first batch, alone: their offsets are committed past them
        await("the deletes' committed offset", "2", () -> String.valueOf(stack.rest().offsets("early-deletes")
                .get("offsets") instanceof List<?> offsets && !offsets.isEmpty()
                ? ((Map<?, ?>) ((Map<?, ?>) offsets.get(0)).get("offset")).get("kafka_offset") : "none"), TIMEOUT);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "early_deletes", List.of(
                new Rec(key, k(key, 7), row, r(row, 7, "seven")), new Rec(key, k(key, 9), row, r(row, 9, "nine")),
                new Rec(key, k(key, 9), null, null)));
        await("the rows after the deletes", List.of(List.of("7", "seven")),
                () -> rows(sink.db(), "SELECT id, name FROM early_deletes ORDER BY id"), TIMEOUT);
        // The table dropped while the task runs (it has a plan for its rows, none for its deletes): the same
        sink.db().useHandle(h -> h.execute("DROP TABLE early_deletes"));
        SinkTopics.produce(stack.kafka().bootstrapServers(), "early_deletes", List.of(new Rec(key, k(key, 7), null, null)));
        SinkTopics.produce(stack.kafka().bootstrapServers(), "early_deletes",
                List.of(new Rec(key, k(key, 10), row, r(row, 10, "ten"))));
        await("the row after the table was dropped", List.of(List.of("10", "ten")),
                () -> rows(sink.db(), "SELECT id, name FROM early_deletes ORDER BY id"), TIMEOUT);
        assertEquals("RUNNING", stack.rest().status("early-deletes").get("tasks") instanceof List<?> tasks
                ? String.valueOf(((Map<?, ?>) tasks.get(0)).get("state")) : "no tasks");
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

    /**
     * Debezium's PostgreSQL connector sends a timestamp column's infinity and -infinity as PgJDBC's sentinel instants,
     * in microseconds (MicroTimestamp) or, for timestamp(0..3) under time.precision.mode=adaptive, milliseconds
     * (Timestamp). They are written back as infinity and -infinity (not as the year 294247, nor refused as out of
     * range), by binary COPY, text COPY and batch alike.
     */
    @Test
    void debeziumInfinityTimestampsStayInfinite() {
        Schema key = SchemaBuilder.struct().name("ValidityKey").field("id", Schema.INT32_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("Validity").field("id", Schema.INT32_SCHEMA)
                .field("valid_to", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build())
                .field("valid_ms", SchemaBuilder.int64().name("io.debezium.time.Timestamp").optional().build())
                .build();
        long[][] values = {{9_223_372_036_825_200_000L, 9_223_372_036_825_200L},
                {-9_223_372_036_832_400_000L, -9_223_372_036_832_400L}, {1_709_249_415_123_456L, 1_709_249_415_123L}};
        List<Rec> records = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            records.add(new Rec(key, new Struct(key).put("id", i), value, new Struct(value).put("id", i)
                    .put("valid_to", values[i][0]).put("valid_ms", values[i][1])));
        }
        stack.kafka().createTopic("dbz_validity", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_validity", records);
        List<List<String>> expected = List.of(List.of("0", "infinity", "infinity"),
                List.of("1", "-infinity", "-infinity"),
                List.of("2", "2024-02-29 23:30:15.123456", "2024-02-29 23:30:15.123"));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_validity_" + method;
            sink.deploy("validity-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_validity",
                    "insert.mode", "upsert", "pk.mode", "record_key", "auto.create", "true", "write.method", method,
                    "table.name.format", table));
            await("infinite timestamps in " + table, expected, () -> rows(sink.db(),
                    "SELECT id, valid_to::text, valid_ms::text FROM " + table + " ORDER BY id"), TIMEOUT);
        }
        // Without the millisecond field every column has a binary form: the MicroTimestamps go by binary COPY.
        sink.deploy("validity-binary", ConnectorConfigs.sink(stack, sink.url(), "dbz_validity", "insert.mode", "upsert",
                "pk.mode", "record_key", "auto.create", "true", "fields.include.list", "valid_to",
                "table.name.format", "dbz_validity_binary"));
        await("infinite timestamps by binary COPY", expected.stream().map(row -> row.subList(0, 2)).toList(),
                () -> rows(sink.db(), "SELECT id, valid_to::text FROM dbz_validity_binary ORDER BY id"), TIMEOUT);
    }

    /**
     * Debezium sends many column types as plain STRING: numerics under decimal.handling.mode=string, inet, cidr,
     * macaddr, ranges, ltree. Into an existing table with the original column types, batch writes them (values and
     * nulls) as COPY does: as text the column's type reads.
     */
    @Test
    void plainTextFieldsFillTypedColumnsByCopyAndBatchAlike() {
        Schema key = SchemaBuilder.struct().name("TypedKey").field("id", Schema.INT32_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("Typed").field("id", Schema.INT32_SCHEMA)
                .field("amount", Schema.OPTIONAL_STRING_SCHEMA).field("addr", Schema.OPTIONAL_STRING_SCHEMA)
                .field("span", Schema.OPTIONAL_STRING_SCHEMA).field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        stack.kafka().createTopic("dbz_typed", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_typed", List.of(
                new Rec(key, new Struct(key).put("id", 1), value, new Struct(value).put("id", 1).put("amount", "12.5")
                        .put("addr", "10.0.0.1").put("span", "[1,5)").put("note", "x")),
                new Rec(key, new Struct(key).put("id", 2), value, new Struct(value).put("id", 2))));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_typed_" + method;
            sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, amount numeric(10,2),"
                    + " addr inet, span int4range, note text)"));
            sink.deploy("typed-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_typed", "insert.mode",
                    "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table));
            await("typed columns from text by " + method, List.of(List.of("1", "12.50", "10.0.0.1", "[1,5)", "x"),
                            Arrays.asList("2", null, null, null, null)),
                    () -> rows(sink.db(), "SELECT id, amount, addr, span, note FROM " + table + " ORDER BY id"),
                    TIMEOUT);
        }
    }

    /**
     * Debezium's binary.handling.mode=base64 (or hex) sends a bytea column as a STRING of its encoding. Into an
     * existing bytea column PostgreSQL would take the text's characters as the bytes (AQID as 41 51 49 44, not
     * 01 02 03): the task fails naming the field, the column type and the fix instead, writing nothing.
     */
    @Test
    void textIntoAByteaColumnFailsInsteadOfStoringTheCharacters() {
        sink.db().useHandle(h -> h.execute("CREATE TABLE dbz_blobs (id int PRIMARY KEY, payload bytea)"));
        Schema key = SchemaBuilder.struct().name("BlobKey").field("id", Schema.INT32_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("Blob").field("id", Schema.INT32_SCHEMA)
                .field("payload", Schema.OPTIONAL_STRING_SCHEMA).build();
        stack.kafka().createTopic("dbz_blobs", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_blobs", List.of(new Rec(key,
                new Struct(key).put("id", 1), value, new Struct(value).put("id", 1).put("payload", "AQID"))));
        sink.create("blobs-sink", ConnectorConfigs.sink(stack, sink.url(), "dbz_blobs", "insert.mode", "upsert",
                "pk.mode", "record_key"));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "blobs-sink");
        assertTrue(trace.contains("'payload'") && trace.contains("bytea") && trace.contains("binary.handling.mode"),
                trace);
        assertEquals(List.of(List.of("0")), rows(sink.db(), "SELECT count(*) FROM dbz_blobs"));
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
