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

class TableNameFormatTest {

    private static final Schema ROW = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().field("before", ROW).field("after", ROW)
            .field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build();

    private static SinkRecord plain(String topic) {
        return new SinkRecord(topic, 0, null, null, ROW, new Struct(ROW).put("id", 1), 0);
    }

    private static SinkRecord envelope(String topic, String schema, String table) {
        Struct value = new Struct(ENVELOPE).put("op", "c").put("after", new Struct(ROW).put("id", 1))
                .put("source", new Struct(SOURCE).put("schema", schema).put("table", table));
        return new SinkRecord(topic, 0, null, null, ENVELOPE, value, 0);
    }

    private static SinkRecord tombstone(String topic) {
        return new SinkRecord(topic, 0, Schema.INT32_SCHEMA, 1, null, null, 1);
    }

    @Test
    void replacesTheTopic() {
        assertEquals(new TableId("public", "orders"), new TableNameFormat("${topic}").tableFor(plain("orders")));
        assertEquals(new TableId("sales", "kafka_orders"),
                new TableNameFormat("sales.kafka_${topic}").tableFor(plain("orders")));
    }

    @Test
    void aQuotedFormatKeepsTheDotsOfTopicNames() {
        assertEquals(new TableId("public", "shop.orders"),
                new TableNameFormat("\"${topic}\"").tableFor(plain("shop.orders")));
        assertEquals(new TableId("shop", "orders"), new TableNameFormat("${topic}").tableFor(plain("shop.orders")));
    }

    @Test
    void theDefaultWritesADebeziumTopicToItsSourceTableAndItsTombstonesFollow() {
        TableNameFormat tables = new TableNameFormat("${topic}");
        assertEquals(new TableId("public", "pgbench_accounts"),
                tables.tableFor(envelope("dbzi.public.pgbench_accounts", "public", "pgbench_accounts")));
        assertEquals(new TableId("public", "pgbench_accounts"), tables.tableFor(tombstone("dbzi.public.pgbench_accounts")));
        assertEquals(new TableId("Sales", "Orders"),
                new TableNameFormat("${topic}").tableFor(tombstone("dbzi.Sales.Orders")), "before any envelope");
        assertEquals(new TableId("public", "orders"), new TableNameFormat("${topic}")
                .tableFor(envelope("orders", "inventory", "items")), "a routed topic keeps its name");
    }

    @Test
    void sourcePlaceholdersNameTheEnvelopesTable() {
        TableNameFormat tables = new TableNameFormat("archive.${source.schema}_${source.table}");
        assertEquals(new TableId("archive", "inventory_items"),
                tables.tableFor(envelope("anything", "inventory", "items")));
        assertEquals(new TableId("archive", "inventory_items"), tables.tableFor(tombstone("anything")));
        ConnectException e = assertThrows(ConnectException.class, () -> tables.tableFor(plain("plain")));
        assertTrue(e.getMessage().contains("table.name.format='archive.${source.schema}_${source.table}'"),
                e.getMessage());
    }

    @Test
    void envelopesAlternatingBetweenTablesAndTopicsEachGoToTheirOwnAndTombstonesFollowTheirTopicsLast() {
        TableNameFormat tables = new TableNameFormat("${source.schema}.${source.table}");
        TableId items = new TableId("inventory", "items");
        TableId orders = new TableId("sales", "orders");
        assertEquals(items, tables.tableFor(envelope("a", "inventory", "items")));
        assertEquals(items, tables.tableFor(envelope("a", "inventory", "items")));
        assertEquals(orders, tables.tableFor(envelope("a", "sales", "orders")));
        assertEquals(orders, tables.tableFor(tombstone("a")));
        assertEquals(items, tables.tableFor(envelope("a", "inventory", "items")));
        assertEquals(items, tables.tableFor(tombstone("a")));
        assertEquals(orders, tables.tableFor(envelope("b", "sales", "orders")), "another topic, same source");
        assertEquals(items, tables.tableFor(tombstone("a")), "topic a's last table is still items");
        assertEquals(orders, tables.tableFor(tombstone("b")));
    }

    @Test
    void anUnusableNameNamesTheSetting() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> new TableNameFormat("${topic}_" + "x".repeat(60)).tableFor(plain("orders")));
        assertTrue(e.getMessage().contains("table.name.format"), e.getMessage());
        assertTrue(e.getMessage().contains("'orders'"), e.getMessage());
    }
}
