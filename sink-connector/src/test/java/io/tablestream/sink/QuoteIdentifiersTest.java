package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuoteIdentifiersTest {

    private static final TableId ORDERS = TableId.parse("sales.orders");

    private static SinkRecord record(String... fields) {
        SchemaBuilder builder = SchemaBuilder.struct().name("Row");
        for (String field : fields) {
            builder.field(field, Schema.INT64_SCHEMA);
        }
        Schema schema = builder.build();
        Struct value = new Struct(schema);
        for (String field : fields) {
            value.put(field, 1L);
        }
        return TestRecords.record("orders", 0, 5, null, null, schema, value);
    }

    private static PostgresSinkConfig never(String... keyValues) {
        String[] all = new String[keyValues.length + 2];
        all[0] = "quote.sql.identifiers";
        all[1] = "never";
        System.arraycopy(keyValues, 0, all, 2, keyValues.length);
        return TestRecords.config(all);
    }

    @Test
    void alwaysIsTheDefaultAndQuotesEveryName() {
        assertEquals(QuoteIdentifiers.ALWAYS, TestRecords.config().quoteIdentifiers());
        WritePlan plan = WritePlan.create(TestRecords.config(), TableId.parse("Sales.\"Order Lines\""),
                record("Id", "select"));

        assertEquals("INSERT INTO \"Sales\".\"Order Lines\" (\"Id\", \"select\") VALUES (?, ?)", plan.insertSql());
    }

    @Test
    void neverWritesPlainNamesUnquotedInEveryStatement() {
        WritePlan plan = WritePlan.create(never("insert.mode", "upsert", "pk.mode", "record_value",
                "pk.fields", "order_id"), ORDERS, record("order_id", "total$2", "_note"));

        assertEquals("sales.orders", plan.tableSql());
        assertEquals("INSERT INTO sales.orders (order_id, total$2, _note) VALUES (?, ?, ?) ON CONFLICT (order_id) "
                + "DO UPDATE SET total$2 = EXCLUDED.total$2, _note = EXCLUDED._note", plan.insertSql());
        assertEquals("DELETE FROM sales.orders WHERE order_id = ?", plan.deleteSql());
        assertEquals("CREATE TABLE IF NOT EXISTS sales.orders (order_id bigint NOT NULL, total$2 bigint NOT NULL, "
                + "_note bigint NOT NULL, PRIMARY KEY (order_id))", plan.createTableSql());
        assertEquals("INSERT INTO sales.orders (order_id, total$2, _note) SELECT order_id, total$2, _note FROM s "
                + "ON CONFLICT (order_id) DO UPDATE SET total$2 = EXCLUDED.total$2, _note = EXCLUDED._note",
                PostgresSql.mergeStage("s", plan.tableSql(), plan.columns(), InsertMode.UPSERT));
        assertEquals("COPY sales.orders (order_id, total$2, _note) FROM STDIN",
                PostgresSql.copyFrom(plan.tableSql(), plan.columns()));
        // Column names not in the SQL (Kafka coordinates) are plain too.
        assertEquals("INSERT INTO sales.orders (__connect_topic, __connect_partition, __connect_offset, x) "
                + "VALUES (?, ?, ?, ?)", WritePlan.create(never("pk.mode", "kafka"), ORDERS, record("x")).insertSql());
    }

    @Test
    void neverRefusesAColumnThatNeedsQuotesNamingItAndTheFix() {
        ConnectException upper = assertThrows(ConnectException.class,
                () -> WritePlan.create(never(), ORDERS, record("id", "OrderTotal")));
        assertEquals("Column name 'OrderTotal' (table sales.orders) has upper case letters, which PostgreSQL folds "
                + "to lower case unless quoted, so it cannot be written unquoted with quote.sql.identifiers=never: set "
                + "quote.sql.identifiers=always (the default), or rename the record field (e.g. with Kafka's "
                + "ReplaceField transform)", upper.getMessage());

        assertTrue(assertThrows(ConnectException.class, () -> WritePlan.create(never(), ORDERS, record("select")))
                .getMessage().contains("'select' (table sales.orders) is a reserved word"));
        assertTrue(assertThrows(ConnectException.class, () -> WritePlan.create(never(), ORDERS, record("order id")))
                .getMessage().contains("'order id' (table sales.orders) is not a plain identifier"));
        assertTrue(assertThrows(ConnectException.class, () -> WritePlan.create(never(), ORDERS, record("1st")))
                .getMessage().contains("'1st' (table sales.orders) is not a plain identifier"));
    }

    @Test
    void neverRefusesATableOrSchemaThatNeedsQuotes() {
        assertTrue(assertThrows(ConnectException.class,
                () -> WritePlan.create(never(), TableId.parse("sales.\"Orders\""), record("id")))
                .getMessage().startsWith("Table name 'Orders' (table sales.Orders) has upper case letters"));
        assertTrue(assertThrows(ConnectException.class,
                () -> QuoteIdentifiers.NEVER.table(TableId.parse("\"user\".orders"), "offsets.table.name"))
                .getMessage().endsWith("or change offsets.table.name"));
    }

    @Test
    void theSettingIsCheckedAgainstItsValues() {
        assertEquals(QuoteIdentifiers.NEVER, TestRecords.config("quote.sql.identifiers", "NEVER").quoteIdentifiers());
        assertThrows(org.apache.kafka.common.config.ConfigException.class,
                () -> TestRecords.config("quote.sql.identifiers", "sometimes"));
    }
}
