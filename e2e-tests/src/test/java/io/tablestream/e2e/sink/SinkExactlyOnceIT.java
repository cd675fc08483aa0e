package io.tablestream.e2e.sink;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static io.tablestream.e2e.sink.SinkTopics.await;
import static io.tablestream.e2e.sink.SinkTopics.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * exactly.once: a worker SIGKILLed in the middle of loading a topic into a table without a primary key (insert mode,
 * so a replayed record would be a duplicate row) is replaced, and the table ends with every record exactly once.
 */
@ExtendWith(TablestreamStack.class)
record SinkExactlyOnceIT(Stack stack) {

    private static final int RECORDS = 200_000;
    private static final int PARTITIONS = 2;
    private static final String TOPIC = "eos_events";
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(120);
    // A replacement can only take over once the killed worker's group sessions expire.
    private static final Map<String, String> WORKER = Fixtures.quickTakeoverWorker("sink-eos-it");

    @Test
    void aKilledWorkerLeavesEveryRecordWrittenExactlyOnce() {
        String url = stack.postgres().createDatabase("sink_eos_it");
        Jdbi db = Jdbi.create(() -> stack.postgres().connect("sink_eos_it"));
        stack.kafka().createTopic(TOPIC, PARTITIONS);
        produce();

        ConnectWorker first = ConnectWorker.startForked(stack.kafka().bootstrapServers(), WORKER);
        try {
            first.rest().createOrUpdateConnector("eos-sink", ConnectorConfigs.sink(stack, url, TOPIC,
                    "auto.create", "true", "batch.size", "2000", "consumer.override.max.poll.records", "2000"));
            await("the load has started", true, () -> count(db) > 0, LOAD_TIMEOUT);
        } finally {
            first.kill();
        }
        long atKill = count(db);
        assertTrue(atKill < RECORDS, "the worker was killed mid-load (" + atKill + " of " + RECORDS + " rows)");

        ConnectWorker second = ConnectWorker.startForked(stack.kafka().bootstrapServers(), WORKER);
        try {
            try {
                await("rows after the restart", (long) RECORDS, () -> count(db), LOAD_TIMEOUT);
            } catch (AssertionError stalled) {
                // Keep what tells why the count stopped short: the sink's state, the database's and the topic's.
                throw new AssertionError(stalled.getMessage()
                        + "\nconnector status: " + second.rest().status("eos-sink")
                        + "\nstored offsets: " + rows(db, "SELECT kafka_partition, kafka_offset FROM tablestream_sink_offsets")
                        + "\nrows per partition (id % " + PARTITIONS + "): " + rows(db, "SELECT id % " + PARTITIONS
                        + ", count(*), min(id), max(id) FROM " + TOPIC + " GROUP BY 1 ORDER BY 1")
                        + "\nmissing id ranges: " + rows(db, "SELECT id + " + PARTITIONS + " AS missing_from,"
                        + " (SELECT min(b.id) FROM " + TOPIC + " b WHERE b.id > a.id AND b.id % " + PARTITIONS
                        + " = a.id % " + PARTITIONS + ") AS next_present FROM " + TOPIC + " a WHERE NOT EXISTS"
                        + " (SELECT 1 FROM " + TOPIC + " b WHERE b.id = a.id + " + PARTITIONS + ") ORDER BY 1 LIMIT 20")
                        + "\ncommitted consumer offsets: " + committedOffsets()
                        + "\ntopic end offsets: " + SinkTopics.endOffsets(stack, TOPIC, PARTITIONS)
                        + "\nsessions: " + rows(db, "SELECT pid::text, state, coalesce(wait_event_type, '-'),"
                        + " coalesce(wait_event, '-'), left(query, 80) FROM pg_stat_activity WHERE datname = current_database()")
                        + "\nworker log: " + second.logFile(), stalled);
            }
            Pause.millis(2_000); // a duplicate would show up now: nothing is left to read
            long n = RECORDS;
            assertEquals(List.of(List.of(String.valueOf(n), String.valueOf(n), String.valueOf(n * (n - 1) / 2),
                            expectedChecksum())),
                    rows(db, "SELECT count(*), count(DISTINCT id), sum(id), "
                            + "md5(string_agg(payload, ',' ORDER BY id)) FROM " + TOPIC));
            assertEquals(List.of(List.of("0", String.valueOf(RECORDS / PARTITIONS - 1)),
                            List.of("1", String.valueOf(RECORDS / PARTITIONS - 1))),
                    rows(db, "SELECT kafka_partition, kafka_offset FROM tablestream_sink_offsets "
                            + "WHERE connector_name = 'eos-sink' ORDER BY kafka_partition"));
            second.rest().deleteConnector("eos-sink");
        } finally {
            second.stop();
        }
    }

    /**
     * A bad record's dead-letter report is a write too: the offsets in the database move past the record only once the
     * worker has stored the report. Here the dead-letter topic refuses it (its max.message.bytes is too small): the
     * task fails naming the dead-letter queue with nothing stored past the record, and once the topic takes it and
     * the task is restarted, the record reaches the dead-letter topic and every good row the table.
     */
    @Test
    void aBadRecordWhoseReportFailedIsReportedAgainAfterARestart() {
        String topic = "eos_dlq_events";
        String deadLetters = "eos_dlq_events-dlq";
        String connector = "eos-dlq-sink";
        String url = stack.postgres().createDatabase("sink_eos_dlq");
        Jdbi db = Jdbi.create(() -> stack.postgres().connect("sink_eos_dlq"));
        db.useHandle(h -> h.execute("CREATE TABLE " + topic + " (id bigint PRIMARY KEY, note text NOT NULL"
                + " CHECK (note <> 'bad'))"));
        stack.kafka().createTopic(topic, 1);
        stack.kafka().createTopic(deadLetters, 1, Map.of("max.message.bytes", "64"));
        SinkTopics.awaitLeaders(stack, topic, 1);
        Schema value = SchemaBuilder.struct().name("DlqEvent").field("id", Schema.INT64_SCHEMA)
                .field("note", Schema.STRING_SCHEMA).build();
        int records = 100;
        long bad = 50;
        SinkTopics.produce(stack.kafka().bootstrapServers(), topic, LongStream.range(0, records)
                .mapToObj(id -> new SinkTopics.Rec(null, null, value, new Struct(value).put("id", id)
                        .put("note", id == bad ? "bad" : "good"))).toList());
        stack.rest().createOrUpdateConnector(connector, ConnectorConfigs.sink(stack, url, topic,
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id", "errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", deadLetters, "errors.deadletterqueue.topic.replication.factor", "1"));
        try {
            String trace = Fixtures.awaitTaskFailed(stack.rest(), connector);
            assertTrue(trace.contains("dead-letter"), trace);
            assertEquals(List.of(), rows(db, "SELECT kafka_offset FROM tablestream_sink_offsets"
                    + " WHERE kafka_offset >= " + bad), "no offset stored past the record whose report failed");

            try {
                stack.kafka().admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC,
                        deadLetters), List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "1048588"),
                        AlterConfigOp.OpType.SET)))).all().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("could not raise max.message.bytes of " + deadLetters, e);
            }
            stack.rest().restartConnector(connector, true, true);
            await("every good row after the restart", (long) records - 1, () -> Fixtures.count(db, topic),
                    LOAD_TIMEOUT);
            await("the bad record in the dead-letter topic", true,
                    () -> SinkTopics.endOffsets(stack, deadLetters, 1).get(0) >= 1, LOAD_TIMEOUT);
            assertEquals(List.of(), rows(db, "SELECT id FROM " + topic + " WHERE id = " + bad));
        } finally {
            stack.rest().deleteConnectorIfExists(connector);
        }
    }

    /**
     * Fencing: another task of the connector (the new owner after a rebalance, while this one still writes) moved a
     * partition on in the offsets table, with its rows. This task's next transaction finds the stored offset is not
     * the one it read, rolls back, re-reads the offsets and skips what the other wrote: no record twice.
     */
    @Test
    void aPartitionMovedOnByAnotherTaskIsNotWrittenTwice() {
        String topic = "eos_fence";
        String url = stack.postgres().createDatabase("sink_eos_fence");
        Jdbi db = Jdbi.create(() -> stack.postgres().connect("sink_eos_fence"));
        stack.kafka().createTopic(topic, 1);
        SinkTopics.awaitLeaders(stack, topic, 1);
        Schema value = SchemaBuilder.struct().name("FenceEvent").field("id", Schema.INT64_SCHEMA).build();
        SinkTopics.produce(stack.kafka().bootstrapServers(), topic, LongStream.range(0, 100)
                .mapToObj(id -> new SinkTopics.Rec(null, null, value, new Struct(value).put("id", id))).toList());
        stack.rest().createOrUpdateConnector("fence-sink", ConnectorConfigs.sink(stack, url, topic,
                "auto.create", "true", "retry.backoff.ms", "200"));
        try {
            String stored = "SELECT kafka_offset FROM tablestream_sink_offsets WHERE connector_name = 'fence-sink'";
            await("the first 100 records", List.of(List.of("99")), () -> rows(db, stored), LOAD_TIMEOUT);
            db.useTransaction(h -> { // what the other owner wrote: records 100..149 with their offset
                h.execute("INSERT INTO " + topic + " SELECT generate_series(100, 149)");
                h.execute("UPDATE tablestream_sink_offsets SET kafka_offset = 149 WHERE connector_name = 'fence-sink'");
            });
            SinkTopics.produce(stack.kafka().bootstrapServers(), topic, LongStream.range(100, 200)
                    .mapToObj(id -> new SinkTopics.Rec(null, null, value, new Struct(value).put("id", id))).toList());

            await("stored offset", List.of(List.of("199")), () -> rows(db, stored), LOAD_TIMEOUT);
            assertEquals(List.of(List.of("200", "200", String.valueOf(199 * 200 / 2))),
                    rows(db, "SELECT count(*), count(DISTINCT id), sum(id) FROM " + topic));
            stack.rest().awaitRunning("fence-sink", Duration.ofSeconds(10)); // retried, not failed
        } finally {
            stack.rest().deleteConnectorIfExists("fence-sink");
        }
    }

    private Object committedOffsets() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafka().bootstrapServers()))) {
            return admin.listConsumerGroupOffsets("connect-eos-sink").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "unavailable: " + e;
        }
    }

    private static long count(Jdbi db) {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM " + TOPIC).mapTo(Long.class).one());
    }

    private static String payload(long id) {
        return "event-" + id + "-" + Long.toHexString(id * 0x9E3779B97F4A7C15L);
    }

    /**
     * Produces every record and proves the topic holds them before the connector starts. This IT once stalled at
     * 198,994 of 200,000 rows with the sink innocent: the records were never in the topic. send() failures went
     * unnoticed, and producing right after creating the topic, before its leaders are known, made the in-JVM broker
     * reject an idempotent producer's batch as out of sequence (the benchmarks saw the same); one 256 KB batch is
     * about a thousand of these records.
     */
    private void produce() {
        SinkTopics.awaitLeaders(stack, TOPIC, PARTITIONS);
        Schema value = SchemaBuilder.struct().name("EosEvent").field("id", Schema.INT64_SCHEMA)
                .field("payload", Schema.STRING_SCHEMA).build();
        JsonConverter converter = SinkTopics.converter(false);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = SinkTopics.producer(stack.kafka().bootstrapServers())) {
            for (long id = 0; id < RECORDS; id++) {
                byte[] bytes = converter.fromConnectData(TOPIC, value,
                        new Struct(value).put("id", id).put("payload", payload(id)));
                producer.send(new ProducerRecord<>(TOPIC, (int) (id % PARTITIONS), null, bytes),
                        (metadata, error) -> {
                            if (error != null) {
                                failure.compareAndSet(null, error);
                            }
                        });
            }
            producer.flush();
        }
        assertNull(failure.get(), () -> "producing the records failed: " + failure.get());
        assertEquals(Map.of(0, (long) RECORDS / PARTITIONS, 1, (long) RECORDS / PARTITIONS),
                SinkTopics.endOffsets(stack, TOPIC, PARTITIONS), "records per partition in " + TOPIC);
    }

    private static String expectedChecksum() {
        StringBuilder all = new StringBuilder();
        for (long id = 0; id < RECORDS; id++) {
            all.append(id == 0 ? "" : ",").append(payload(id));
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                    .digest(all.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
