package io.tablestream.e2e.sink;

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
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.await;
import static io.tablestream.e2e.sink.SinkTopics.rows;

/**
 * The records CDC sources write for deletes and for updates of TOASTed columns, however the worker cuts them into
 * puts and the sink into chunks: a flat delete record (the key as value, header op=d) with its tombstone, a lone
 * tombstone, and a row rewritten with {@code __deleted=true}; and updates whose header {@code unavailable.columns}
 * names columns whose values the change does not carry.
 */
@ExtendWith(TablestreamStack.class)
record SinkChangeRecordsIT(Stack stack, ClassDatabase sink) {

    private static final int KEYS = 25;
    private static final int CHANGES = 400;

    /** How a delete looks in a topic. */
    private enum DeleteStyle { FLAT_AND_TOMBSTONE, TOMBSTONE, REWRITE }

    @Test
    void deletesOfEveryStyleApplyInOrderOrAreSkippedWhateverTheChunking() {
        Schema key = SchemaBuilder.struct().name("cdc.Key").field("id", Schema.INT32_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("cdc.Value").field("id", Schema.INT32_SCHEMA)
                .field("v", Schema.STRING_SCHEMA).build();
        Schema rewritten = SchemaBuilder.struct().name("cdc.Rewritten").field("id", Schema.INT32_SCHEMA)
                .field("v", Schema.OPTIONAL_STRING_SCHEMA).field("__deleted", Schema.OPTIONAL_STRING_SCHEMA).build();
        Random random = new Random(42);
        Map<Integer, String> withDeletes = new TreeMap<>();
        Map<Integer, String> withoutDeletes = new TreeMap<>();
        Map<DeleteStyle, List<Rec>> topics = new TreeMap<>();
        for (DeleteStyle style : DeleteStyle.values()) {
            topics.put(style, new ArrayList<>());
        }
        for (int i = 0; i < CHANGES; i++) {
            int id = random.nextInt(KEYS);
            Struct k = new Struct(key).put("id", id);
            if (withDeletes.containsKey(id) && random.nextInt(10) < 4) {
                withDeletes.remove(id);
                topics.get(DeleteStyle.FLAT_AND_TOMBSTONE).add(new Rec(key, k, key, k, Map.of("op", "d")));
                topics.get(DeleteStyle.FLAT_AND_TOMBSTONE).add(new Rec(key, k, null, null));
                topics.get(DeleteStyle.TOMBSTONE).add(new Rec(key, k, null, null, Map.of("op", "d")));
                topics.get(DeleteStyle.REWRITE).add(new Rec(key, k, rewritten, new Struct(rewritten).put("id", id)
                        .put("__deleted", "true")));
            } else {
                String v = "v" + i;
                String op = withDeletes.containsKey(id) ? "u" : "c";
                withDeletes.put(id, v);
                withoutDeletes.put(id, v);
                topics.get(DeleteStyle.FLAT_AND_TOMBSTONE).add(new Rec(key, k, value,
                        new Struct(value).put("id", id).put("v", v), Map.of("op", op)));
                topics.get(DeleteStyle.TOMBSTONE).add(new Rec(key, k, value,
                        new Struct(value).put("id", id).put("v", v), Map.of("op", op)));
                topics.get(DeleteStyle.REWRITE).add(new Rec(key, k, rewritten, new Struct(rewritten).put("id", id)
                        .put("v", v).put("__deleted", "false")));
            }
        }
        List<String> topicNames = new ArrayList<>();
        for (Map.Entry<DeleteStyle, List<Rec>> topic : topics.entrySet()) {
            String name = "deletes_" + topic.getKey().name().toLowerCase();
            topicNames.add(name);
            stack.kafka().createTopic(name, 1);
            SinkTopics.produce(stack.kafka().bootstrapServers(), name, topic.getValue());
            for (String connector : List.of("single", "chunked", "skipping")) {
                sink.db().useHandle(h -> h.execute("CREATE TABLE " + name + "_" + connector
                        + " (id integer PRIMARY KEY, v text NOT NULL)"));
            }
        }
        String all = String.join(",", topicNames);
        // every record in a put and a transaction of its own, so a delete record and its tombstone never meet
        sink.deploy("deletes-single", ConnectorConfigs.sink(stack, sink.url(), all, "insert.mode", "upsert",
                "pk.mode", "record_key", "delete.enabled", "true", "auto.create", "true", "batch.size", "1",
                "table.name.format", "${topic}_single", "consumer.override.max.poll.records", "1"));
        // big puts cut into chunks of 3 at every possible place
        sink.deploy("deletes-chunked", ConnectorConfigs.sink(stack, sink.url(), all, "insert.mode", "upsert",
                "pk.mode", "record_key", "delete.enabled", "true", "auto.create", "true", "batch.size", "3",
                "write.method", "batch", "table.name.format", "${topic}_chunked"));
        sink.deploy("deletes-skipping", ConnectorConfigs.sink(stack, sink.url(), all, "insert.mode", "upsert",
                "pk.mode", "record_key", "delete.enabled", "false", "auto.create", "true", "batch.size", "7",
                "table.name.format", "${topic}_skipping"));
        for (String topic : topicNames) {
            await(topic + " with deletes, one record per put", expected(withDeletes),
                    () -> rows(sink.db(), "SELECT id, v FROM " + topic + "_single ORDER BY id"), TIMEOUT);
            await(topic + " with deletes, chunks of 3", expected(withDeletes),
                    () -> rows(sink.db(), "SELECT id, v FROM " + topic + "_chunked ORDER BY id"), TIMEOUT);
            await(topic + " without deletes", expected(withoutDeletes),
                    () -> rows(sink.db(), "SELECT id, v FROM " + topic + "_skipping ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * Updates whose header names unavailable (unchanged TOASTed) columns write only the other columns: the table keeps
     * the old values; a key the table lacks is inserted with those columns at their defaults.
     */
    @Test
    void unavailableColumnsKeepTheirValues() {
        Schema key = SchemaBuilder.struct().name("toast.Key").field("id", Schema.INT32_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("toast.Value").field("id", Schema.INT32_SCHEMA)
                .field("small", Schema.OPTIONAL_STRING_SCHEMA).field("big_text", Schema.OPTIONAL_STRING_SCHEMA).build();
        List<Rec> records = new ArrayList<>();
        for (int id = 0; id < 10; id++) {
            records.add(row(key, value, id, "s1-" + id, "big-" + id, null));
        }
        for (int id = 0; id < 10; id++) {
            records.add(row(key, value, id, "s2-" + id, null, "[\"big_text\"]"));
        }
        records.add(row(key, value, 3, "s3", "big-3-new", null));
        records.add(row(key, value, 3, "s4", null, "[\"big_text\"]"));
        records.add(new Rec(key, new Struct(key).put("id", 7), null, null));
        records.add(row(key, value, 100, "new", null, "[\"big_text\"]"));
        records.add(row(key, value, 5, null, null, "[\"small\", \"big_text\"]"));
        records.add(row(key, value, 101, null, null, "[\"small\",\"big_text\"]"));
        stack.kafka().createTopic("toasted", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "toasted", records);
        List<List<String>> expected = new ArrayList<>();
        for (int id = 0; id < 10; id++) {
            if (id == 3) {
                expected.add(List.of("3", "s4", "big-3-new"));
            } else if (id != 7) {
                expected.add(List.of(String.valueOf(id), "s2-" + id, "big-" + id));
            }
        }
        expected.add(List.of("100", "new", "unknown"));
        expected.add(List.of("101", "none", "unknown"));
        for (String method : List.of("copy", "batch")) {
            for (String batchSize : List.of("3", "3000")) {
                String table = "toasted_" + method + "_" + batchSize;
                sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id integer PRIMARY KEY, small text NOT NULL"
                        + " DEFAULT 'none', big_text text NOT NULL DEFAULT 'unknown')"));
                sink.deploy(table, ConnectorConfigs.sink(stack, sink.url(), "toasted", "insert.mode", "upsert",
                        "pk.mode", "record_key", "delete.enabled", "true", "write.method", method,
                        "batch.size", batchSize, "table.name.format", table));
            }
        }
        for (String method : List.of("copy", "batch")) {
            for (String batchSize : List.of("3", "3000")) {
                String table = "toasted_" + method + "_" + batchSize;
                await(table, expected, () -> rows(sink.db(), "SELECT id, small, big_text FROM " + table + " ORDER BY id"),
                        TIMEOUT);
            }
        }
    }

    private static Rec row(Schema key, Schema value, int id, String small, String big, String unavailable) {
        return new Rec(key, new Struct(key).put("id", id), value, new Struct(value).put("id", id).put("small", small)
                .put("big_text", big), unavailable == null ? Map.of() : Map.of("unavailable.columns", unavailable));
    }

    private static List<List<String>> expected(Map<Integer, String> rows) {
        List<List<String>> expected = new ArrayList<>();
        rows.forEach((id, v) -> expected.add(List.of(String.valueOf(id), v)));
        return expected;
    }
}
