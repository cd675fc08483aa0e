package io.tablestream.e2e.source;

import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.TopicReader;

import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connector's database session is killed mid-run: the task reconnects and loses or repeats nothing. */
@ExtendWith(TablestreamStack.class)
record SourceRetryIT(Stack stack, ClassDatabase database) {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aTerminatedBackendIsRetriedWithoutLossOrDuplicates() {
        Jdbi db = database.db();
        db.useHandle(h -> h.execute("""
                CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL);
                INSERT INTO events SELECT g, 'e' || g FROM generate_series(1, 10) g"""));
        stack.rest().createOrUpdateConnector("retry-source", ConnectorConfigs.source(stack, database.url(), "retry.",
                "table.include.list", "events", "mode", "incrementing", "incrementing.column.name", "id",
                "poll.interval.ms", "100", "connection.backoff.ms", "200"));
        stack.rest().awaitRunning("retry-source", TIMEOUT);
        String topic = "retry.events";
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 10L, TIMEOUT);

        int terminated = db.withHandle(h -> h.createQuery("""
                SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'""")
                .mapTo(Integer.class).one());
        assertTrue(terminated >= 1, "the connector's session should have been terminated");
        db.useHandle(h -> h.execute("INSERT INTO events SELECT g, 'e' || g FROM generate_series(11, 20) g"));

        List<Object> ids = TopicReader.ids(TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 20L, TIMEOUT));
        assertEquals(LongStream.rangeClosed(1, 20).boxed().toList(), ids);
        assertEquals("RUNNING", ((List<Map<String, Object>>) (List<?>) stack.rest().status("retry-source").get("tasks"))
                .get(0).get("state"));
        stack.rest().deleteConnector("retry-source");
    }
}
