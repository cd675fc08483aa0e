package io.tablestream.e2e.sink;

import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Several tasks of one connector meet the same new table at the same moment, through the real worker: every
 * partition of a topic is already full when four tasks start, so all of them auto.create the table, and each
 * partition's records have their own schema, so they also auto.evolve it at once (add a column, widen a smallint to
 * integer in one task and to bigint in another). Repeated on fresh tables, since one round may not overlap.
 */
@ExtendWith(TablestreamStack.class)
record SinkConcurrentCreateIT(Stack stack, ClassDatabase sink) {

    private static final int PARTITIONS = 4;
    /** Rounds on fresh tables: the tasks overlap in only some of them (8 rounds caught the race one run in two). */
    private static final int ROUNDS = 20;
    private static final int PER_PARTITION = 200;

    /** Partition p's value schema: the score grows wider from partition to partition; the last adds a column. */
    private static final List<Schema> SCHEMAS = List.of(
            schema(Schema.INT16_SCHEMA, false),
            schema(Schema.INT32_SCHEMA, false),
            schema(Schema.INT64_SCHEMA, false),
            schema(Schema.INT16_SCHEMA, true));

    private static Schema schema(Schema score, boolean withNote) {
        SchemaBuilder builder = SchemaBuilder.struct().name("Reading").field("id", Schema.INT64_SCHEMA)
                .field("score", score);
        if (withNote) {
            builder.field("note", Schema.OPTIONAL_STRING_SCHEMA);
        }
        return builder.build();
    }

    @Test
    void fourTasksCreateAndEvolveTheSameNewTableAtOnceAndEveryRecordLands() {
        for (int round = 0; round < ROUNDS; round++) {
            String topic = "race_" + round;
            stack.kafka().createTopic(topic, PARTITIONS);
            produce(topic);
            String connector = topic + "-sink";
            sink.create(connector, ConnectorConfigs.sink(stack, sink.url(), topic, "tasks.max",
                    String.valueOf(PARTITIONS), "auto.create", "true", "auto.evolve", "true",
                    "pk.mode", "record_value", "pk.fields", "id", "insert.mode", "upsert"));
            awaitAllRowsWithNoFailedTask(connector, topic);

            assertEquals(List.of(List.of("id", "bigint"), List.of("score", "bigint"), List.of("note", "text")),
                    rows(sink.db(), "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid"
                            + " = '" + topic + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
                            .stream().sorted((a, b) -> order(a.get(0)) - order(b.get(0))).toList(),
                    "columns of " + topic);
            assertEquals(expectedRows(), rows(sink.db(), "SELECT id::text, score::text, note FROM " + topic
                    + " ORDER BY " + topic + ".id"), "rows of " + topic);
            stack.rest().deleteConnector(connector);
        }
    }

    private static int order(String column) {
        return List.of("id", "score", "note").indexOf(column);
    }

    private void awaitAllRowsWithNoFailedTask(String connector, String table) {
        long expected = (long) PARTITIONS * PER_PARTITION;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Long count = null;
        while (System.nanoTime() < deadline) {
            failOnFailedTask(connector);
            try {
                count = sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class)
                        .one());
            } catch (RuntimeException e) { // the table does not exist yet
                count = null;
            }
            if (count != null && count == expected) {
                failOnFailedTask(connector);
                return;
            }
            Pause.millis(200);
        }
        fail(table + " holds " + count + " rows, not " + expected + ", within " + TIMEOUT + "; status "
                + stack.rest().status(connector));
    }

    private void failOnFailedTask(String connector) {
        Map<String, Object> status;
        try {
            status = stack.rest().status(connector);
        } catch (RuntimeException e) { // 404 until the herder has written the first status
            return;
        }
        for (Object task : (List<?>) status.getOrDefault("tasks", List.of())) {
            Map<?, ?> t = (Map<?, ?>) task;
            if ("FAILED".equals(t.get("state"))) {
                fail("task " + t.get("id") + " of " + connector + " FAILED: " + t.get("trace"));
            }
        }
    }

    private static List<List<String>> expectedRows() {
        List<List<String>> rows = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < PER_PARTITION; i++) {
                rows.add(java.util.Arrays.asList(String.valueOf(id(p, i)), String.valueOf(score(p, i)),
                        p == 3 ? "note " + i : null));
            }
        }
        return rows;
    }

    private static long id(int partition, int i) {
        return partition * 100_000L + i;
    }

    /** The widest value each partition's type holds, so a column narrower than the widest type rejects it. */
    private static long score(int partition, int i) {
        return switch (partition) {
            case 1 -> Integer.MAX_VALUE - i;
            case 2 -> Long.MAX_VALUE - i;
            default -> Short.MAX_VALUE - i;
        };
    }

    /** Fills every partition before any task starts, so all tasks meet the missing table in their first put. */
    private void produce(String topic) {
        SinkTopics.awaitLeaders(stack, topic, PARTITIONS);
        JsonConverter converter = SinkTopics.converter(false);
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = SinkTopics.producer(stack.kafka().bootstrapServers())) {
            for (int p = 0; p < PARTITIONS; p++) {
                Schema schema = SCHEMAS.get(p);
                for (int i = 0; i < PER_PARTITION; i++) {
                    Struct value = new Struct(schema).put("id", id(p, i));
                    long score = score(p, i);
                    switch (schema.field("score").schema().type()) {
                        case INT16 -> value.put("score", (short) score);
                        case INT32 -> value.put("score", (int) score);
                        default -> value.put("score", score);
                    }
                    if (schema.field("note") != null) {
                        value.put("note", "note " + i);
                    }
                    producer.send(new ProducerRecord<>(topic, p, null, converter.fromConnectData(topic, schema,
                            value)), (metadata, error) -> {
                                if (error != null) {
                                    failure.compareAndSet(null, error);
                                }
                            });
                }
            }
            producer.flush();
        }
        assertNull(failure.get(), () -> "producing to " + topic + " failed: " + failure.get());
        assertEquals(Map.of(0, (long) PER_PARTITION, 1, (long) PER_PARTITION, 2, (long) PER_PARTITION,
                3, (long) PER_PARTITION), SinkTopics.endOffsets(stack, topic, PARTITIONS), "records per partition");
    }
}
