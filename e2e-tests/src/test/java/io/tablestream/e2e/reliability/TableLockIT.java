package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static io.tablestream.e2e.reliability.Fixtures.TIMEOUT;
import static io.tablestream.e2e.reliability.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Another session holds {@code LOCK TABLE ... ACCESS EXCLUSIVE} on the sink's target table for 30 s while records
 * keep arriving: the sink waits, writes nothing meanwhile, stays RUNNING, and once the lock is released writes every
 * record once; the table is compared row by row with the expected rows.
 */
@ExtendWith(TablestreamStack.class)
record TableLockIT(Stack stack, ClassDatabase database) {

    private static final String TOPIC = "locked_events";
    private static final long LOCK_MS = 30_000;
    private static final int BEFORE = 2_000;
    private static final int DURING = 3_000;

    @Test
    void aLockedTableDelaysTheSinkButLosesNothing() {
        Jdbi db = database.db();
        db.useHandle(h -> h.execute("CREATE TABLE locked_events (id bigint PRIMARY KEY, payload text NOT NULL)"));
        Schema schema = SchemaBuilder.struct().name("Event").field("id", Schema.INT64_SCHEMA)
                .field("payload", Schema.STRING_SCHEMA).build();
        stack.kafka().createTopic(TOPIC, 1);
        Fixtures.produce(stack.kafka().bootstrapServers(), TOPIC, schema, events(schema, 0, BEFORE));
        stack.rest().createOrUpdateConnector("lock-sink", ConnectorConfigs.sink(stack, database.url(), TOPIC,
                "insert.mode", "insert", "retry.backoff.ms", "500"));
        await("records before the lock", (long) BEFORE, () -> Fixtures.count(db, TOPIC), TIMEOUT);

        try (Handle locker = db.open()) {
            locker.begin();
            locker.execute("LOCK TABLE locked_events IN ACCESS EXCLUSIVE MODE");
            long lockedAt = System.nanoTime();
            Fixtures.produce(stack.kafka().bootstrapServers(), TOPIC, schema, events(schema, BEFORE, DURING));
            await("the sink is waiting for the lock", true, () -> db.withHandle(h -> h.createQuery(
                    "SELECT count(*) > 0 FROM pg_locks WHERE relation = 'locked_events'::regclass AND NOT granted")
                    .mapTo(Boolean.class).one()), TIMEOUT);
            while (System.nanoTime() - lockedAt < LOCK_MS * 1_000_000) {
                Pause.millis(500);
            }
            assertEquals("RUNNING", Fixtures.taskStateAndTrace(stack.rest(), "lock-sink").get(0),
                    "the sink task waits, it does not fail");
            locker.commit();
        }
        // Counted only after the lock is gone (a count would wait for it too).
        await("every record after the lock", (long) BEFORE + DURING, () -> Fixtures.count(db, TOPIC), TIMEOUT);
        db.useHandle(h -> h.execute("CREATE TABLE expected AS SELECT g::bigint AS id, 'payload-' || g AS payload"
                + " FROM generate_series(0, " + (BEFORE + DURING - 1) + ") g"));
        assertEquals(List.of(), Fixtures.difference(db, "SELECT * FROM expected", "SELECT * FROM " + TOPIC));
        assertTrue(Fixtures.taskStateAndTrace(stack.rest(), "lock-sink").get(0).equals("RUNNING"));
        stack.rest().deleteConnector("lock-sink");
    }

    private static List<Struct> events(Schema schema, int from, int count) {
        List<Struct> events = new ArrayList<>(count);
        for (long id = from; id < from + count; id++) {
            events.add(new Struct(schema).put("id", id).put("payload", "payload-" + id));
        }
        return events;
    }
}
