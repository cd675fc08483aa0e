package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.SchemaNames;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WritePlanTest {

    private static final Schema KEY = SchemaBuilder.struct().name("OrderKey")
            .field("order_id", Schema.INT64_SCHEMA).build();
    private static final Schema VALUE = SchemaBuilder.struct().name("Order")
            .field("order_id", Schema.INT64_SCHEMA)
            .field("customer", Schema.OPTIONAL_STRING_SCHEMA)
            .field("total", Decimal.builder(2).parameter("connect.decimal.precision", "12").build())
            .field("placed_at", Timestamp.SCHEMA)
            .build();
    private static final TableId ORDERS = TableId.parse("enriched_orders");

    private static SinkRecord order() {
        Struct key = new Struct(KEY).put("order_id", 7L);
        Struct value = new Struct(VALUE).put("order_id", 7L).put("customer", "ada")
                .put("total", new BigDecimal("12.50")).put("placed_at", new java.util.Date(0));
        return TestRecords.record("orders", 0, 42, KEY, key, VALUE, value);
    }

    @Test
    void insertWithoutKey() {
        WritePlan plan = WritePlan.create(TestRecords.config(), ORDERS, order());

        assertEquals("INSERT INTO \"public\".\"enriched_orders\" (\"order_id\", \"customer\", \"total\", \"placed_at\")"
                + " VALUES (?, ?, ?, ?)", plan.insertSql());
        assertEquals("CREATE TABLE IF NOT EXISTS \"public\".\"enriched_orders\" (\"order_id\" bigint NOT NULL, "
                + "\"customer\" text, \"total\" numeric(12,2) NOT NULL, \"placed_at\" timestamptz NOT NULL)",
                plan.createTableSql());
    }

    @Test
    void upsertKeyedByRecordKey() {
        PostgresSinkConfig config = TestRecords.config("insert.mode", "upsert", "pk.mode", "record_key");

        WritePlan plan = WritePlan.create(config, ORDERS, order());

        assertEquals("INSERT INTO \"public\".\"enriched_orders\" (\"order_id\", \"customer\", \"total\", \"placed_at\")"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (\"order_id\") DO UPDATE SET \"customer\" = EXCLUDED.\"customer\","
                + " \"total\" = EXCLUDED.\"total\", \"placed_at\" = EXCLUDED.\"placed_at\"", plan.insertSql());
        assertEquals("CREATE TABLE IF NOT EXISTS \"public\".\"enriched_orders\" (\"order_id\" bigint NOT NULL, "
                + "\"customer\" text, \"total\" numeric(12,2) NOT NULL, \"placed_at\" timestamptz NOT NULL, "
                + "PRIMARY KEY (\"order_id\"))", plan.createTableSql());
    }

    @Test
    void insertModeKeepsThePrimaryKeyInTheTableButNotInTheInsert() {
        PostgresSinkConfig config = TestRecords.config("pk.mode", "record_value", "pk.fields", "order_id");

        WritePlan plan = WritePlan.create(config, ORDERS, order());

        assertEquals("INSERT INTO \"public\".\"enriched_orders\" (\"order_id\", \"customer\", \"total\", \"placed_at\")"
                + " VALUES (?, ?, ?, ?)", plan.insertSql());
        assertEquals(true, plan.createTableSql().endsWith(", PRIMARY KEY (\"order_id\"))"), plan.createTableSql());
    }

    @Test
    void upsertDoesNothingWhenEveryColumnIsAKeyColumn() {
        Schema link = SchemaBuilder.struct().field("order_id", Schema.INT64_SCHEMA)
                .field("tag", Schema.STRING_SCHEMA).build();
        SinkRecord record = TestRecords.record("order_tags", 0, 1, null, null, link,
                new Struct(link).put("order_id", 1L).put("tag", "gift"));
        PostgresSinkConfig config = TestRecords.config("insert.mode", "upsert", "pk.mode", "record_value",
                "pk.fields", "tag,order_id");

        WritePlan plan = WritePlan.create(config, TableId.parse("sales.order_tags"), record);

        assertEquals("INSERT INTO \"sales\".\"order_tags\" (\"tag\", \"order_id\") VALUES (?, ?)"
                + " ON CONFLICT (\"tag\", \"order_id\") DO NOTHING", plan.insertSql());
        assertEquals("CREATE TABLE IF NOT EXISTS \"sales\".\"order_tags\" (\"tag\" text NOT NULL, "
                + "\"order_id\" bigint NOT NULL, PRIMARY KEY (\"tag\", \"order_id\"))", plan.createTableSql());
    }

    @Test
    void oddIdentifiersAreQuoted() {
        Schema value = SchemaBuilder.struct()
                .field("Line \"No\"", Schema.INT32_SCHEMA)
                .field("select", Schema.OPTIONAL_STRING_SCHEMA)
                .field("a:b?<c>", SchemaBuilder.string().name(SchemaNames.JSON).optional().build())
                .build();
        SinkRecord record = TestRecords.record("lines", 0, 1, Schema.STRING_SCHEMA, "k", value,
                new Struct(value).put("Line \"No\"", 1));
        PostgresSinkConfig config = TestRecords.config("insert.mode", "upsert", "pk.mode", "record_key",
                "pk.fields", "Order Id");

        WritePlan plan = WritePlan.create(config, TableId.parse("\"Sales Dept\".Order \"Lines\""), record);

        assertEquals("INSERT INTO \"Sales Dept\".\"Order \"\"Lines\"\"\" (\"Order Id\", \"Line \"\"No\"\"\", "
                + "\"select\", \"a:b?<c>\") VALUES (?, ?, ?, ?) ON CONFLICT (\"Order Id\") DO UPDATE SET "
                + "\"Line \"\"No\"\"\" = EXCLUDED.\"Line \"\"No\"\"\", \"select\" = EXCLUDED.\"select\", "
                + "\"a:b?<c>\" = EXCLUDED.\"a:b?<c>\"", plan.insertSql());
        assertEquals("CREATE TABLE IF NOT EXISTS \"Sales Dept\".\"Order \"\"Lines\"\"\" (\"Order Id\" text NOT NULL, "
                + "\"Line \"\"No\"\"\" integer NOT NULL, \"select\" text, \"a:b?<c>\" jsonb, "
                + "PRIMARY KEY (\"Order Id\"))", plan.createTableSql());
    }

    @Test
    void boundValuesFollowTheColumnOrder() {
        PostgresSinkConfig config = TestRecords.config("insert.mode", "upsert", "pk.mode", "record_key");
        WritePlan plan = WritePlan.create(config, ORDERS, order());

        List<Object> values = plan.columns().stream().map(c -> c.argument(order()).value()).toList();

        assertEquals(List.of(7L, "ada", new BigDecimal("12.50"),
                java.time.OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.UTC)), values);
    }

    /** The strategy is chosen once per plan from write.method and insert.mode; a pass only runs it. */
    @Test
    void strategyChosenWithThePlan() {
        assertEquals(WriteStrategy.CopyInto.class, strategy("copy", "insert").getClass());
        assertEquals(WriteStrategy.CopyNewKeysOrMerge.class, strategy("copy", "upsert").getClass());
        assertEquals(WriteStrategy.StagedMerge.class, strategy("copy", "update").getClass());
        assertEquals(WriteStrategy.Batch.class, strategy("batch", "upsert").getClass());
        WritePlan keyed = WritePlan.create(TestRecords.config("pk.mode", "record_key", "delete.enabled", "true"),
                ORDERS, order());
        WriteStrategy.StagedMerge deletes = (WriteStrategy.StagedMerge) keyed.deletes();
        assertEquals("DELETE FROM \"public\".\"enriched_orders\" t USING " + deletes.stage().name()
                + " s WHERE t.\"order_id\" = s.\"order_id\"", deletes.mergeSql());
    }

    private static WriteStrategy strategy(String method, String mode) {
        return WritePlan.create(TestRecords.config("write.method", method, "insert.mode", mode, "pk.mode",
                "record_key"), ORDERS, order()).writes();
    }

    @Test
    void onlyWrittenValueColumnsAreLeftOutAsUnavailable() {
        PostgresSinkConfig config = TestRecords.config("insert.mode", "upsert", "pk.mode", "record_key",
                "fields.include.list", "customer,total");
        WritePlan notWritten = WritePlan.create(config, ORDERS, order(), false, java.util.Set.of("placed_at", "x"));
        assertEquals(java.util.Set.of(), notWritten.unavailableColumns());
        org.junit.jupiter.api.Assertions.assertFalse(notWritten.partial());
        WritePlan partial = WritePlan.create(config, ORDERS, order(), false, java.util.Set.of("customer", "x"));
        assertEquals(java.util.Set.of("customer"), partial.unavailableColumns());
        org.junit.jupiter.api.Assertions.assertTrue(partial.partial());
        assertEquals(List.of("order_id", "customer", "total"),
                partial.tableColumns().stream().map(SinkColumn::name).toList(), "CREATE TABLE has every column");
    }

    @Test
    void anUnavailableKeyColumnFailsNamingTheColumnAndTheFix() {
        PostgresSinkConfig config = TestRecords.config("insert.mode", "upsert", "pk.mode", "record_value",
                "pk.fields", "customer");
        String message = org.junit.jupiter.api.Assertions.assertThrows(
                org.apache.kafka.connect.errors.ConnectException.class,
                () -> WritePlan.create(config, ORDERS, order(), false, java.util.Set.of("customer"))).getMessage();
        org.junit.jupiter.api.Assertions.assertTrue(message.contains("'customer'")
                && message.contains("REPLICA IDENTITY FULL") && message.contains("ReselectColumnsPostProcessor"),
                message);
    }
}
