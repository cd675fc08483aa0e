package io.tablestream.e2e.sink;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.e2e.sink.SinkTopics.Rec;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures sorted by what they say, with errors.tolerance=all and a dead-letter topic ready to take bad records: a
 * statement_timeout while another session locks the table is waited out and retried, a missing privilege fails the
 * task naming table and fix; neither sends a single record to the dead-letter topic. And a role with no more than
 * the privileges on its tables (no CREATE on the schema) works with an offsets table a DBA prepared.
 */
@ExtendWith(TablestreamStack.class)
record SinkErrorClassesIT(Stack stack, ClassDatabase sink) {

    private static final String PASSWORD = "sink-error-classes-pw";
    private static final long LOCK_MS = 15_000;
    private static final Schema EVENT = SchemaBuilder.struct().name("Event").field("id", Schema.INT64_SCHEMA)
            .field("payload", Schema.STRING_SCHEMA).build();

    @Test
    void aStatementTimeoutOnALockedTableIsRetriedAndNothingIsDeadLettered() {
        String role = "sink_ec_timeout";
        createRole(role);
        sink.db().useHandle(h -> {
            h.execute("ALTER ROLE " + role + " SET statement_timeout = '1s'");
            h.execute("CREATE TABLE slow_events (id bigint PRIMARY KEY, payload text NOT NULL)");
            h.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON slow_events TO " + role);
        });
        topicAndDeadLetterQueue("slow_events", 300);
        sink.deploy("slow-events", withRole(role, ConnectorConfigs.sink(stack, sink.url(), "slow_events",
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id",
                "max.retries", "40", "retry.backoff.ms", "1000", "offsets.table.name", "slow_events_offsets",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "slow_events-dlq",
                "errors.deadletterqueue.topic.replication.factor", "1")));
        await("rows before the lock", 300L, () -> count("slow_events"), TIMEOUT);

        try (Handle locker = sink.db().open()) {
            locker.begin();
            locker.execute("LOCK TABLE slow_events IN ACCESS EXCLUSIVE MODE");
            long lockedAt = System.nanoTime();
            SinkTopics.produce(stack.kafka().bootstrapServers(), "slow_events", events(300, 300));
            await("the sink is waiting for the lock", true, () -> sink.db().withHandle(h -> h.createQuery(
                    "SELECT count(*) > 0 FROM pg_locks WHERE relation = 'slow_events'::regclass AND NOT granted")
                    .mapTo(Boolean.class).one()), TIMEOUT);
            while (System.nanoTime() - lockedAt < LOCK_MS * 1_000_000) {
                Pause.millis(500);
            }
            locker.commit();
        }
        await("every row after the lock", 600L, () -> count("slow_events"), TIMEOUT);
        assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), "slow-events").get(0));
        assertEquals(Map.of(0, 0L), SinkTopics.endOffsets(stack, "slow_events-dlq", 1), "nothing dead-lettered");
    }

    @Test
    void aMissingPrivilegeFailsTheTaskNamingTheTableAndNothingIsDeadLettered() {
        String role = "sink_ec_reader";
        createRole(role);
        sink.db().useHandle(h -> {
            h.execute("CREATE TABLE guarded (id bigint PRIMARY KEY, payload text NOT NULL)");
            h.execute("GRANT SELECT ON guarded TO " + role);
        });
        topicAndDeadLetterQueue("guarded", 50);
        sink.create("guarded", withRole(role, ConnectorConfigs.sink(stack, sink.url(), "guarded",
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id",
                "offsets.table.name", "guarded_offsets",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "guarded-dlq",
                "errors.deadletterqueue.topic.replication.factor", "1")));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "guarded");
        assertTrue(trace.contains("public.guarded") && trace.contains("permission denied")
                && trace.contains("GRANT") && trace.contains("SQLState 42501"), trace);
        assertEquals(Map.of(0, 0L), SinkTopics.endOffsets(stack, "guarded-dlq", 1), "nothing dead-lettered");
        assertEquals(0L, count("guarded"));
    }

    /**
     * A DBA prepared the target table and the offsets table (exactly.once) and gave the connector's role only the
     * privileges on them: without CREATE on the schema, the task opens, writes and stores its offsets.
     */
    @Test
    void aRoleWithoutCreateOnTheSchemaUsesTheOffsetsTableADbaPrepared() {
        String role = "sink_ec_least";
        createRole(role, false);
        sink.db().useHandle(h -> {
            h.execute("CREATE TABLE least_events (id bigint PRIMARY KEY, payload text NOT NULL)");
            h.execute("CREATE TABLE least_offsets (connector_name text NOT NULL, topic text NOT NULL,"
                    + " kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL,"
                    + " updated_at timestamptz NOT NULL DEFAULT now(),"
                    + " PRIMARY KEY (connector_name, topic, kafka_partition))");
            h.execute("GRANT SELECT, INSERT, UPDATE ON least_events, least_offsets TO " + role);
            h.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        });
        stack.kafka().createTopic("least_events", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "least_events", events(0, 40));
        sink.deploy("least-events", withRole(role, ConnectorConfigs.sink(stack, sink.url(), "least_events",
                "insert.mode", "upsert", "pk.mode", "record_value", "pk.fields", "id",
                "offsets.table.name", "least_offsets")));
        await("rows written by the least-privileged role", 40L, () -> count("least_events"), TIMEOUT);
        await("its offset stored", List.of(List.of("least-events", "least_events", "0", "39")),
                () -> SinkTopics.rows(sink.db(), "SELECT connector_name, topic, kafka_partition, kafka_offset"
                        + " FROM least_offsets"), TIMEOUT);
        assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), "least-events").get(0));
    }

    /** A login role with a password, allowed to create the offsets table in public. */
    private void createRole(String role) {
        createRole(role, true);
    }

    private void createRole(String role, boolean createInPublic) {
        sink.db().useHandle(h -> {
            h.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN"
                    + " CREATE ROLE " + role + " LOGIN; END IF; END $$");
            h.execute("ALTER ROLE " + role + " PASSWORD '" + PASSWORD + "'");
            h.execute((createInPublic ? "GRANT CREATE, USAGE" : "GRANT USAGE") + " ON SCHEMA public TO " + role);
        });
    }

    private static Map<String, String> withRole(String role, Map<String, String> config) {
        config.put("connection.user", role);
        config.put("connection.password", PASSWORD);
        return config;
    }

    private long count(String table) {
        return sink.db().withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    /** The topic with {@code count} events and its empty dead letter queue {@code <topic>-dlq}. */
    private void topicAndDeadLetterQueue(String topic, int count) {
        stack.kafka().createTopic(topic, 1);
        stack.kafka().createTopic(topic + "-dlq", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), topic, events(0, count));
    }

    private static List<Rec> events(long from, int count) {
        List<Rec> events = new ArrayList<>(count);
        for (long id = from; id < from + count; id++) {
            events.add(new Rec(null, null, EVENT, new Struct(EVENT).put("id", id).put("payload", "payload-" + id)));
        }
        return events;
    }
}
