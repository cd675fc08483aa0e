package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.tablestream.e2e.reliability.Fixtures.TIMEOUT;
import static io.tablestream.e2e.reliability.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-record matrix in a sink topic: malformed JSON, a field of the wrong type, a string too long for varchar(n),
 * NULL for NOT NULL, numbers out of range for int and numeric(5,2). With {@code errors.tolerance=all} each lands in
 * the dead-letter topic with its reason in the headers and every good record is written (compared row by row); with
 * the default the task fails naming the record and the fix. (A CHECK violation is covered by SinkWriteModesIT and
 * MetricsIT.) A field the table lacks is no bad record but a table that does not fit the topic: it fails the task
 * even with errors.tolerance=all, and nothing goes to the dead-letter topic.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRecordsIT {

    private static final String DB = "bad_records_it";
    private static final int GOOD = 40;

    private static final Schema ROW = SchemaBuilder.struct().name("Account")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("amount", Schema.OPTIONAL_INT64_SCHEMA)
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .build();
    private static final Schema WRONG_TYPE = SchemaBuilder.struct().name("Account")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("amount", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    private static final Schema EXTRA_FIELD = SchemaBuilder.struct().name("Account")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("nickname", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    /** Each bad record: the reason a dead letter must give (a column name or the converter stage). */
    private record Bad(String kind, byte[] value, String reason) {
    }

    private final Stack stack;
    private final List<String> connectors = new ArrayList<>();
    private final JsonConverter json = new JsonConverter();
    private Jdbi db;
    private String url;

    BadRecordsIT(Stack stack) {
        this.stack = stack;
        json.configure(Map.of("schemas.enable", "true"), false);
    }

    @BeforeAll
    void createDatabase() {
        url = stack.postgres().createDatabase(DB);
        db = Jdbi.create(() -> stack.postgres().connect(DB));
    }

    @AfterAll
    void deleteConnectors() {
        connectors.forEach(stack.rest()::deleteConnectorIfExists);
    }

    private void createTable(String name) {
        db.useHandle(h -> h.execute("CREATE TABLE " + name + " (id bigint PRIMARY KEY, name varchar(10) NOT NULL,"
                + " amount int, score numeric(5,2))"));
    }

    private byte[] good(long id) {
        return json.fromConnectData("t", ROW, new Struct(ROW).put("id", id).put("name", "n" + id)
                .put("amount", id * 10).put("score", id + 0.25));
    }

    private List<Bad> bads() {
        return List.of(
                new Bad("malformed JSON", "{\"schema\": {\"type\": \"struct\", \"fields\": [".getBytes(StandardCharsets.UTF_8),
                        "VALUE_CONVERTER"),
                new Bad("wrong field type", json.fromConnectData("t", WRONG_TYPE, new Struct(WRONG_TYPE)
                        .put("id", 1001L).put("name", "w").put("amount", "lots")), "amount"),
                new Bad("string too long", json.fromConnectData("t", ROW, new Struct(ROW).put("id", 1003L)
                        .put("name", "x".repeat(11))), "name"),
                new Bad("NULL for NOT NULL", json.fromConnectData("t", ROW, new Struct(ROW).put("id", 1004L)
                        .put("name", null)), "name"),
                new Bad("int out of range", json.fromConnectData("t", ROW, new Struct(ROW).put("id", 1005L)
                        .put("name", "r").put("amount", 3_000_000_000L)), "amount"),
                new Bad("numeric(5,2) overflow", json.fromConnectData("t", ROW, new Struct(ROW).put("id", 1006L)
                        .put("name", "o").put("score", 1234.5)), "score"));
    }

    @Test
    void withToleranceAllEveryBadRecordIsDeadLetteredWithItsReasonAndEveryGoodOneWritten() {
        createTable("accounts");
        List<Bad> bads = bads();
        // Good records with the bad ones spread between them: bad i sits at offset 5 * (i + 1) + i.
        List<byte[]> values = new ArrayList<>();
        Map<Long, Bad> badAt = new TreeMap<>();
        long id = 0;
        for (Bad bad : bads) {
            for (int k = 0; k < 5; k++) {
                values.add(good(id++));
            }
            badAt.put((long) values.size(), bad);
            values.add(bad.value());
        }
        while (id < GOOD) {
            values.add(good(id++));
        }
        stack.kafka().createTopic("accounts", 1);
        stack.kafka().createTopic("accounts-dlq", 1);
        Fixtures.produceRaw(stack.kafka().bootstrapServers(), "accounts", values);
        connectors.add("accounts-sink");
        stack.rest().createOrUpdateConnector("accounts-sink", ConnectorConfigs.sink(stack, url, "accounts",
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "accounts-dlq",
                "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));

        await("good rows", (long) GOOD, () -> Fixtures.count(db, "accounts"), TIMEOUT);
        db.useHandle(h -> h.execute("CREATE TABLE expected AS SELECT g::bigint AS id, 'n' || g AS name,"
                + " g * 10 AS amount, g + 0.25 AS score FROM generate_series(0, " + (GOOD - 1) + ") g"));
        assertEquals(List.of(), Fixtures.difference(db, "SELECT id, name::text, amount::int, score::numeric(5,2) FROM expected",
                "SELECT id, name::text, amount, score FROM accounts"));

        Map<Long, ConsumerRecord<byte[], byte[]>> dead = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : TopicReader.records(stack.kafka().bootstrapServers(),
                "accounts-dlq", bads.size(), TIMEOUT)) {
            dead.put(Long.parseLong(header(record, "__connect.errors.offset")), record);
        }
        assertEquals(badAt.keySet(), dead.keySet(), "the dead letters are exactly the bad records");
        List<String> wrong = new ArrayList<>();
        badAt.forEach((offset, bad) -> {
            ConsumerRecord<byte[], byte[]> letter = dead.get(offset);
            String reason = header(letter, "__connect.errors.stage") + " " + header(letter, "__connect.errors.exception.message");
            if (!reason.contains(bad.reason()) || !"accounts".equals(header(letter, "__connect.errors.topic"))
                    || !java.util.Arrays.equals(bad.value(), letter.value())) {
                wrong.add(bad.kind() + " at " + offset + ": " + reason);
            }
        });
        assertEquals(List.of(), wrong, "each dead letter carries the original bytes and its reason");
    }

    /**
     * Many bad records, in small puts while the worker commits offsets (every second in the testkit): the dead-letter
     * reports must not race with the worker's commit, which awaits the reports made so far on the task thread. The
     * dead-letter topic ends with exactly the bad records, the table with exactly the good ones, the task running and
     * the consumer's offsets committed past everything.
     */
    @Test
    void manyBadRecordsAreDeadLetteredWhileTheWorkerCommitsOffsets() {
        createTable("busy");
        int total = 1500;
        List<byte[]> values = new ArrayList<>();
        List<Long> badIds = new ArrayList<>();
        List<Long> goodIds = new ArrayList<>();
        for (long id = 0; id < total; id++) {
            if (id % 5 == 1) { // the database rejects it: found by splitting the chunk
                values.add(json.fromConnectData("t", ROW, new Struct(ROW).put("id", id).put("name", "x".repeat(11))));
                badIds.add(id);
            } else if (id % 5 == 3) { // its value does not convert: found before the write
                values.add(json.fromConnectData("t", WRONG_TYPE, new Struct(WRONG_TYPE).put("id", id).put("name", "w")
                        .put("amount", "lots")));
                badIds.add(id);
            } else {
                values.add(json.fromConnectData("t", ROW, new Struct(ROW).put("id", id).put("name", "n" + id)));
                goodIds.add(id);
            }
        }
        stack.kafka().createTopic("busy", 1);
        stack.kafka().createTopic("busy-dlq", 1);
        Fixtures.produceRaw(stack.kafka().bootstrapServers(), "busy", values);
        connectors.add("busy-sink");
        stack.rest().createOrUpdateConnector("busy-sink", ConnectorConfigs.sink(stack, url, "busy",
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id", "batch.size", "40",
                "consumer.override.max.poll.records", "20",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "busy-dlq",
                "errors.deadletterqueue.topic.replication.factor", "1"));

        Duration slow = TIMEOUT.multipliedBy(3); // hundreds of chunks split down to one record
        await("committed consumer offset", (long) total, () -> committedOffset("connect-busy-sink", "busy"), slow);
        assertEquals(goodIds, Fixtures.rows(db, "SELECT id FROM busy ORDER BY id").stream()
                .map(row -> Long.parseLong(row.get(0))).toList(), "the table holds exactly the good records");
        assertEquals((long) badIds.size(), endOffset("busy-dlq"), "one dead letter per bad record");
        List<Long> dead = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> letter : TopicReader.records(stack.kafka().bootstrapServers(),
                "busy-dlq", badIds.size(), TIMEOUT)) {
            dead.add(((Number) ((Struct) json.toConnectData("busy", letter.value()).value()).get("id")).longValue());
        }
        dead.sort(null);
        assertEquals(badIds, dead, "the dead letters are exactly the bad records");
        assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), "busy-sink").get(0),
                String.valueOf(Fixtures.taskStateAndTrace(stack.rest(), "busy-sink")));
    }

    /**
     * Upsert keeps each key's last operation of a transaction. A tombstone whose key field is null deletes nothing
     * (no key is NULL); it must not count as the same key as an earlier record whose key is the text "null", or that
     * record is dropped in silence.
     */
    @Test
    void aNullKeyIsNotTheSameKeyAsTheTextNull() {
        Schema key = SchemaBuilder.struct().name("NoteKey").field("id", Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("Note").field("id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        db.useHandle(h -> h.execute("CREATE TABLE null_keys (id text PRIMARY KEY, note text)"));
        stack.kafka().createTopic("null_keys", 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, "50"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String id : new String[] {"null", null, "b"}) {
                byte[] k = json.fromConnectData("null_keys", key, new Struct(key).put("id", id));
                byte[] v = id == null ? null
                        : json.fromConnectData("null_keys", value, new Struct(value).put("id", id).put("note", "n"));
                producer.send(new ProducerRecord<>("null_keys", 0, k, v));
            }
            producer.flush();
        }
        connectors.add("null-keys-sink");
        stack.rest().createOrUpdateConnector("null-keys-sink", ConnectorConfigs.sink(stack, url, "null_keys",
                "insert.mode", "upsert", "pk.mode", "record_key", "pk.fields", "id", "delete.enabled", "true",
                "write.method", "batch"));

        await("committed consumer offset", 3L, () -> committedOffset("connect-null-keys-sink", "null_keys"), TIMEOUT);
        assertEquals(List.of(List.of("b"), List.of("null")), Fixtures.rows(db, "SELECT id FROM null_keys ORDER BY id"));
    }

    @Test
    void withTheDefaultToleranceTheTaskFailsNamingTheRecord() {
        List<Bad> bads = bads();
        for (int i = 0; i < bads.size(); i++) {
            String topic = "strict_" + i;
            createTable(topic);
            stack.kafka().createTopic(topic, 1);
            Fixtures.produceRaw(stack.kafka().bootstrapServers(), topic,
                    List.of(good(0), good(1), good(2), bads.get(i).value(), good(4)));
            String name = "strict-sink-" + i;
            connectors.add(name);
            stack.rest().createOrUpdateConnector(name, ConnectorConfigs.sink(stack, url, topic,
                    "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id"));
        }
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < bads.size(); i++) {
            String topic = "strict_" + i;
            String trace = Fixtures.awaitTaskFailed(stack.rest(), "strict-sink-" + i);
            boolean converter = bads.get(i).reason().equals("VALUE_CONVERTER");
            // Connect's converter runs before the sink sees the record: its trace names neither topic nor offset
            // (they are in the worker log with errors.log.enable=true). Everything the sink rejects is named by
            // topic, partition, offset and column.
            boolean namesRecord = converter
                    ? trace.contains("Converting byte[] to Kafka Connect data failed")
                    : trace.contains("topic '" + topic + "' partition 0 offsets 3..3") && trace.contains(bads.get(i).reason())
                    && trace.contains("set errors.tolerance=all with errors.deadletterqueue.topic.name");
            if (!namesRecord) {
                wrong.add(bads.get(i).kind() + ": " + trace.lines().limit(3).toList());
            }
            // The records before the bad one are written, nothing after it (a converter failure stops the whole
            // polled batch before the sink sees it: then nothing is written).
            List<List<String>> ids = Fixtures.rows(db, "SELECT id FROM " + topic + " ORDER BY id");
            List<List<String>> expected = bads.get(i).reason().equals("VALUE_CONVERTER") ? List.of()
                    : List.of(List.of("0"), List.of("1"), List.of("2"));
            if (!ids.equals(expected)) {
                wrong.add(bads.get(i).kind() + ": rows " + ids);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void aFieldTheTableLacksFailsTheTaskEvenWithToleranceAll() {
        createTable("lacking");
        stack.kafka().createTopic("lacking", 1);
        stack.kafka().createTopic("lacking-dlq", 1);
        Fixtures.produceRaw(stack.kafka().bootstrapServers(), "lacking", List.of(good(0), good(1),
                json.fromConnectData("t", EXTRA_FIELD, new Struct(EXTRA_FIELD).put("id", 1002L).put("name", "e")
                        .put("nickname", "nick")), good(3)));
        connectors.add("lacking-sink");
        stack.rest().createOrUpdateConnector("lacking-sink", ConnectorConfigs.sink(stack, url, "lacking",
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "lacking-dlq",
                "errors.deadletterqueue.topic.replication.factor", "1"));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "lacking-sink");
        assertTrue(trace.contains("topic 'lacking' partition 0 offsets 2..2") && trace.contains("nickname")
                && trace.contains("auto.evolve=true") && trace.contains("SQLState 42703"),
                trace.lines().limit(3).toList().toString());
        assertEquals(List.of(List.of("0"), List.of("1")), Fixtures.rows(db, "SELECT id FROM lacking ORDER BY id"));
        assertEquals(0L, endOffset("lacking-dlq"), "nothing dead-lettered");
    }

    /**
     * A timestamp after 294247-01-10 does not fit microseconds since 1970 in an INT64: the source task fails naming
     * table, column and the fix; with that fix ({@code time.precision.mode=connect}, milliseconds) the row arrives.
     */
    @Test
    void aTimestampBeyondMicrosecondsFailsTheSourceNamingTableColumnAndFix() {
        db.useHandle(h -> h.execute("CREATE TABLE far_future (id bigint PRIMARY KEY, due timestamp NOT NULL);"
                + " INSERT INTO far_future VALUES (1, '294250-06-01 00:00:00')"));
        connectors.add("far-future-source");
        stack.rest().createOrUpdateConnector("far-future-source",
                Fixtures.sourceConfig(stack, url, "far_future", "far."));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "far-future-source");
        assertTrue(trace.contains("Column 'due' of table public.far_future") && trace.contains("time.precision.mode=connect"),
                trace.lines().limit(3).toList().toString());

        connectors.add("far-future-ms-source");
        stack.rest().createOrUpdateConnector("far-future-ms-source",
                Fixtures.sourceConfig(stack, url, "far_future", "far.ms.", "time.precision.mode", "connect"));
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.records(stack.kafka().bootstrapServers(),
                "far.ms.far_future", 1, TIMEOUT);
        assertEquals(1, records.size(), "the row with time.precision.mode=connect");
        Struct row = (Struct) json.toConnectData("far.ms.far_future", records.get(0).value()).value();
        assertEquals(java.time.LocalDateTime.parse("+294250-06-01T00:00:00").toInstant(java.time.ZoneOffset.UTC),
                ((java.util.Date) row.get("due")).toInstant());
    }

    /** The consumer group's committed offset of partition 0 of a topic; -1 when none. */
    private long committedOffset(String group, String topic) {
        try {
            OffsetAndMetadata committed = stack.kafka().admin().listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
            return committed == null ? -1 : committed.offset();
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("could not read the committed offsets of " + group, e);
        }
    }

    /** The record count of partition 0 of a topic. */
    private long endOffset(String topic) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try {
            return stack.kafka().admin().listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition)
                    .get(30, TimeUnit.SECONDS).offset();
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("could not read the end offset of " + topic, e);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
