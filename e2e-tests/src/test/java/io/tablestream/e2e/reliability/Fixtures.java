package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectRestClient;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.json.JsonConverter;
import org.jdbi.v3.core.Jdbi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared by the reliability and security ITs: configs, producing, polling and comparing tables row by row. */
public final class Fixtures {

    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    /**
     * The overrides of a forked worker in group {@code groupId} whose work another worker of the group takes over
     * soon after it is killed: the worker's and its sink consumers' sessions expire after the broker's minimum, 6 s.
     */
    public static Map<String, String> quickTakeoverWorker(String groupId) {
        return Map.of("group.id", groupId,
                "session.timeout.ms", "6000", "heartbeat.interval.ms", "1000",
                "consumer.session.timeout.ms", "6000", "consumer.heartbeat.interval.ms", "1000");
    }

    private Fixtures() {
    }

    /** An incrementing-mode source config for one table, polling fast; {@code extra} applied last. */
    public static Map<String, String> sourceConfig(Stack stack, String url, String includeList, String topicPrefix,
                                                   String... extra) {
        Map<String, String> config = ConnectorConfigs.source(stack, url, topicPrefix, "table.include.list", includeList,
                "mode", "incrementing", "incrementing.column.name", "id", "batch.max.rows", "1000",
                "connection.backoff.ms", "500",
                "connection.attempts", "120"); // rides out a database restart of up to a minute
        return ConnectorConfigs.with(config, extra);
    }

    /** Produces Connect-JSON values (with schema, no key) in order to partition 0. */
    public static void produce(String bootstrapServers, String topic, Schema schema, List<?> values) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        List<byte[]> raw = new ArrayList<>(values.size());
        for (Object value : values) {
            raw.add(converter.fromConnectData(topic, schema, value));
        }
        produceRaw(bootstrapServers, topic, raw);
    }

    /** Produces the given value bytes (no key) in order to partition 0. */
    public static void produceRaw(String bootstrapServers, String topic, List<byte[]> values) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, "20", ProducerConfig.BATCH_SIZE_CONFIG, "262144",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "8388608"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, 0, null, value));
            }
            producer.flush();
        }
    }

    /** Polls until {@code actual} equals {@code expected}; on timeout fails showing the last value. */
    public static <T> void await(String what, T expected, Supplier<T> actual, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = actual.get();
            } catch (RuntimeException e) { // e.g. the table does not exist yet, or the database restarts
                last = e.toString();
            }
            if (expected.equals(last)) {
                return;
            }
            Pause.millis(200);
        }
        assertEquals(expected, last, what + " within " + timeout);
    }

    /** Every row of a query, each column as text. */
    public static List<List<String>> rows(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).map((rs, ctx) -> {
            int n = rs.getMetaData().getColumnCount();
            List<String> row = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                row.add(rs.getString(i));
            }
            return row;
        }).list());
    }

    public static long count(Jdbi db, String quotedTable) {
        return db.withHandle(h -> h.createQuery("SELECT count(*) FROM " + quotedTable).mapTo(Long.class).one());
    }

    /**
     * The rows (as text) that are in one query's result but not the other's, counting duplicates ({@code EXCEPT
     * ALL} both ways): empty when both hold the same rows, each as often.
     */
    public static List<List<String>> difference(Jdbi db, String left, String right) {
        return rows(db, "(SELECT 'missing in second' AS side, * FROM ((" + left + ") EXCEPT ALL (" + right + ")) a)"
                + " UNION ALL (SELECT 'extra in second', * FROM ((" + right + ") EXCEPT ALL (" + left + ")) b)");
    }

    /** The first task's state and trace ("" when none). */
    @SuppressWarnings("unchecked")
    public static List<String> taskStateAndTrace(ConnectRestClient rest, String connector) {
        Map<String, Object> status = rest.status(connector);
        List<Map<String, Object>> tasks = (List<Map<String, Object>>) status.get("tasks");
        if (tasks == null || tasks.isEmpty()) {
            return List.of("NO_TASK", "");
        }
        Object trace = tasks.get(0).get("trace");
        return List.of(String.valueOf(tasks.get(0).get("state")), trace == null ? "" : trace.toString());
    }

    /** The connector's own state and trace ("" when none), as opposed to its tasks'. */
    public static List<String> connectorStateAndTrace(ConnectRestClient rest, String connector) {
        Map<?, ?> state = (Map<?, ?>) rest.status(connector).get("connector");
        Object trace = state.get("trace");
        return List.of(String.valueOf(state.get("state")), trace == null ? "" : trace.toString());
    }

    /** Waits until the connector's first task is FAILED and returns its trace. */
    public static String awaitTaskFailed(ConnectRestClient rest, String connector) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<String> last = List.of();
        while (System.nanoTime() < deadline) {
            try {
                last = taskStateAndTrace(rest, connector);
                if ("FAILED".equals(last.get(0))) {
                    return last.get(1);
                }
            } catch (ConnectRestException e) {
                last = List.of(e.getMessage());
            }
            Pause.millis(200);
        }
        throw new AssertionError("Task of " + connector + " not FAILED within " + TIMEOUT + ": " + last);
    }
}
