package io.tablestream.e2e.sink;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.e2e.sink.SinkTopics.Rec;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.await;
import static io.tablestream.e2e.sink.SinkTopics.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debezium names topics {@code <prefix>.<schema>.<table>}: the default table.name.format writes such a topic to its
 * source table, {@code ${source.schema}}/{@code ${source.table}} name it explicitly, and a dotted topic never turns
 * into a schema that does not exist without an error naming table.name.format. Debezium's logical decoding message
 * events ({@code <prefix>.message}, op=m) and transaction boundaries ({@code <prefix>.transaction}) are no rows.
 */
@ExtendWith(TablestreamStack.class)
record SinkTableNamesIT(Stack stack, ClassDatabase sink) {

    private static final Schema KEY = SchemaBuilder.struct().name("dbzi.public.pgbench_accounts.Key")
            .field("aid", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("dbzi.public.pgbench_accounts.Value").optional()
            .field("aid", Schema.INT32_SCHEMA).field("abalance", Schema.OPTIONAL_INT32_SCHEMA).build();
    /** The fields of Debezium's PostgreSQL source block that matter here, plus a few it always has. */
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
            .field("db", Schema.STRING_SCHEMA).field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("dbzi.public.pgbench_accounts.Envelope")
            .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();

    @Test
    void aDebeziumTopicGoesToItsSourceTable() {
        String topic = "dbzi.public.pgbench_accounts";
        stack.kafka().createTopic(topic, 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), topic, List.of(
                change(1, null, 100, "r"), change(2, null, 200, "r"), change(3, null, 300, "c"),
                change(1, 100, 150, "u"), change(2, 200, null, "d"), new Rec(KEY, key(2), null, null)));
        sink.deploy("dbz-default", ConnectorConfigs.sink(stack, sink.url(), topic, "insert.mode", "upsert",
                "pk.mode", "record_key", "delete.enabled", "true", "auto.create", "true"));
        await("rows in public.pgbench_accounts", List.of(List.of("1", "150"), List.of("3", "300")),
                () -> rows(sink.db(), "SELECT aid, abalance FROM public.pgbench_accounts ORDER BY aid"), TIMEOUT);

        sink.deploy("dbz-placeholders", ConnectorConfigs.sink(stack, sink.url(), topic, "insert.mode", "upsert",
                "pk.mode", "record_key", "delete.enabled", "true", "auto.create", "true",
                "table.name.format", "${source.schema}.copy_of_${source.table}"));
        await("rows in public.copy_of_pgbench_accounts", List.of(List.of("1", "150"), List.of("3", "300")),
                () -> rows(sink.db(), "SELECT aid, abalance FROM public.copy_of_pgbench_accounts ORDER BY aid"), TIMEOUT);
    }

    /**
     * One topic carrying two source tables (as Debezium's topic routing makes), each record to its table by
     * ${source.table}: the second table is missing, so its first record fails the task. Nothing after that record is
     * committed, in either table: once the table exists and the task is restarted, both tables are whole.
     */
    @Test
    void aTopicCarryingTwoTablesLosesNothingWhenOneTableFails() {
        String topic = "routed.all";
        sink.db().useHandle(h -> h.execute("CREATE TABLE routed_a (aid int PRIMARY KEY, abalance int)"));
        stack.kafka().createTopic(topic, 1);
        List<Rec> changes = new ArrayList<>();
        for (int aid = 1; aid <= 6; aid++) {
            changes.add(change(aid % 2 == 1 ? "routed_a" : "routed_b", aid, null, aid * 100, "c"));
        }
        SinkTopics.produce(stack.kafka().bootstrapServers(), topic, changes);
        sink.create("routed", ConnectorConfigs.sink(stack, sink.url(), topic, "insert.mode", "upsert",
                "pk.mode", "record_key", "table.name.format", "${source.table}"));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "routed");
        assertTrue(trace.contains("routed_b"), trace);

        sink.db().useHandle(h -> h.execute("CREATE TABLE routed_b (aid int PRIMARY KEY, abalance int)"));
        stack.rest().restartConnector("routed", true, true);
        await("both tables whole", List.of(List.of("1", "100"), List.of("2", "200"), List.of("3", "300"),
                        List.of("4", "400"), List.of("5", "500"), List.of("6", "600")),
                () -> rows(sink.db(), "SELECT aid, abalance FROM (SELECT * FROM routed_a UNION ALL"
                        + " SELECT * FROM routed_b) t ORDER BY aid"), TIMEOUT);
    }

    /**
     * Debezium's PostgreSQL connector puts logical decoding messages ({@code pg_logical_emit_message}) on the topic
     * {@code <prefix>.message} as {@code op=m} events: no row of any table. A sink subscribed to every topic of the
     * prefix skips them (offset stored) and writes the rows of the other topics.
     */
    @Test
    void aDebeziumMessageEventIsNotARow() {
        String messages = "dbzm.message";
        String rowsTopic = "dbzm.public.msg_rows";
        Schema messageKey = SchemaBuilder.struct().name("io.debezium.connector.postgresql.MessageKey")
                .field("prefix", Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema block = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Message")
                .field("prefix", Schema.OPTIONAL_STRING_SCHEMA).field("content", Schema.OPTIONAL_BYTES_SCHEMA)
                .build();
        Schema messageValue = SchemaBuilder.struct().name("io.debezium.connector.postgresql.MessageValue")
                .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("source", SOURCE).field("message", block).build();
        Struct source = new Struct(SOURCE).put("version", "3.1.0.Final").put("connector", "postgresql")
                .put("name", "dbzm").put("ts_ms", 1L).put("db", "bench").put("schema", "").put("table", "");
        Struct event = new Struct(messageValue).put("op", "m").put("ts_ms", 1L).put("source", source)
                .put("message", new Struct(block).put("prefix", "audit").put("content", new byte[] {1, 2}));
        stack.kafka().createTopic(messages, 1);
        stack.kafka().createTopic(rowsTopic, 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), messages, List.of(
                new Rec(messageKey, new Struct(messageKey).put("prefix", "audit"), messageValue, event)));
        Struct rowSource = new Struct(SOURCE).put("version", "3.1.0.Final").put("connector", "postgresql")
                .put("name", "dbzm").put("ts_ms", 1L).put("db", "bench").put("schema", "public")
                .put("table", "msg_rows");
        SinkTopics.produce(stack.kafka().bootstrapServers(), rowsTopic, List.of(new Rec(KEY, key(7), ENVELOPE,
                new Struct(ENVELOPE).put("source", rowSource).put("op", "c")
                        .put("after", new Struct(ROW).put("aid", 7).put("abalance", 70)))));
        sink.deploy("dbz-messages", ConnectorConfigs.sink(stack, sink.url(), messages + "," + rowsTopic,
                "insert.mode", "upsert", "pk.mode", "record_key", "auto.create", "true"));
        await("the row written and the message's offset stored",
                List.of(List.of("7", "70", "0")),
                () -> rows(sink.db(), "SELECT aid, abalance, (SELECT kafka_offset FROM tablestream_sink_offsets"
                        + " WHERE connector_name = 'dbz-messages' AND topic = '" + messages + "')"
                        + " FROM public.msg_rows"), TIMEOUT);
        assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), "dbz-messages").get(0));
        assertEquals(List.of(List.of("0")), rows(sink.db(),
                "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'message'"));
    }

    /**
     * With {@code provide.transaction.metadata=true} Debezium puts a BEGIN and an END event per transaction on the
     * topic {@code <prefix>.transaction}: no row of any table. A sink subscribed to every topic of the prefix skips
     * them (offset stored) and writes the rows of the other topics.
     */
    @Test
    void debeziumTransactionBoundariesAreNotRows() {
        String transactions = "dbzt.transaction";
        String rowsTopic = "dbzt.public.tx_rows";
        Schema txKey = SchemaBuilder.struct().name("io.debezium.connector.common.TransactionMetadataKey")
                .field("id", Schema.STRING_SCHEMA).build();
        Schema collection = SchemaBuilder.struct().name("event.collection")
                .field("data_collection", Schema.STRING_SCHEMA).field("event_count", Schema.INT64_SCHEMA).build();
        Schema txValue = SchemaBuilder.struct().name("io.debezium.connector.common.TransactionMetadataValue")
                .field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
                .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
                .field("data_collections", SchemaBuilder.array(collection).optional().build())
                .field("ts_ms", Schema.INT64_SCHEMA).build();
        String id = "571:53195832";
        stack.kafka().createTopic(transactions, 1);
        stack.kafka().createTopic(rowsTopic, 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), transactions, List.of(
                new Rec(txKey, new Struct(txKey).put("id", id), txValue, new Struct(txValue).put("status", "BEGIN")
                        .put("id", id).put("ts_ms", 1L)),
                new Rec(txKey, new Struct(txKey).put("id", id), txValue, new Struct(txValue).put("status", "END")
                        .put("id", id).put("event_count", 1L).put("ts_ms", 2L).put("data_collections", List.of(
                                new Struct(collection).put("data_collection", "public.tx_rows")
                                        .put("event_count", 1L))))));
        Struct rowSource = new Struct(SOURCE).put("version", "3.1.0.Final").put("connector", "postgresql")
                .put("name", "dbzt").put("ts_ms", 1L).put("db", "bench").put("schema", "public")
                .put("table", "tx_rows");
        SinkTopics.produce(stack.kafka().bootstrapServers(), rowsTopic, List.of(new Rec(KEY, key(8), ENVELOPE,
                new Struct(ENVELOPE).put("source", rowSource).put("op", "c")
                        .put("after", new Struct(ROW).put("aid", 8).put("abalance", 80)))));
        sink.deploy("dbz-transactions", ConnectorConfigs.sink(stack, sink.url(), transactions + "," + rowsTopic,
                "insert.mode", "upsert", "pk.mode", "record_key", "auto.create", "true"));
        await("the row written and the transaction events' last offset stored",
                List.of(List.of("8", "80", "1")),
                () -> rows(sink.db(), "SELECT aid, abalance, (SELECT kafka_offset FROM tablestream_sink_offsets"
                        + " WHERE connector_name = 'dbz-transactions' AND topic = '" + transactions + "')"
                        + " FROM public.tx_rows"), TIMEOUT);
        assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), "dbz-transactions").get(0));
        assertEquals(List.of(List.of("0")), rows(sink.db(),
                "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'transaction'"));
    }

    @Test
    void aDottedTopicIntoASchemaThatDoesNotExistFailsNamingTheFormatAndTheFix() {
        String topic = "nosuchschema.orders";
        Schema value = SchemaBuilder.struct().name("Order").field("id", Schema.INT32_SCHEMA).build();
        stack.kafka().createTopic(topic, 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), topic, List.of(
                new Rec(null, null, value, new Struct(value).put("id", 1))));
        sink.create("dotted", ConnectorConfigs.sink(stack, sink.url(), topic, "auto.create", "true"));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "dotted");
        assertTrue(trace.contains("table.name.format") && trace.contains("nosuchschema")
                && trace.contains("does not exist"), trace);
    }

    private static Struct key(int aid) {
        return new Struct(KEY).put("aid", aid);
    }

    private static Rec change(int aid, Integer before, Integer after, String op) {
        return change("pgbench_accounts", aid, before, after, op);
    }

    private static Rec change(String table, int aid, Integer before, Integer after, String op) {
        Struct source = new Struct(SOURCE).put("version", "3.1.0.Final").put("connector", "postgresql")
                .put("name", "dbzi").put("ts_ms", 1L).put("db", "bench").put("schema", "public")
                .put("table", table);
        Struct envelope = new Struct(ENVELOPE).put("source", source).put("op", op)
                .put("before", before == null ? null : new Struct(ROW).put("aid", aid).put("abalance", before))
                .put("after", after == null ? null : new Struct(ROW).put("aid", aid).put("abalance", after));
        return new Rec(KEY, key(aid), ENVELOPE, envelope);
    }
}
