package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectRestClient;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.reliability.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Connect workers (child JVMs) in one group run a source and a two-task sink; one worker is SIGKILLed mid-run.
 * Its connectors and tasks move to the survivor, which finishes the run: the sink table equals the source table row
 * by row (the source may re-send after the kill; the sink upserts by key, so a re-sent row is not a duplicate).
 */
@ExtendWith(TablestreamStack.class)
record WorkerFailoverIT(Stack stack, ClassDatabase database) {

    private static final int ROWS = 60_000;
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(90);
    // The survivor takes over once the dead worker's group sessions expire.
    private static final Map<String, String> WORKER = Fixtures.quickTakeoverWorker("worker-failover-it");

    @Test
    void theSurvivingWorkerCompletesTheRun() {
        String url = database.url();
        Jdbi db = database.db();
        db.useHandle(h -> h.execute("CREATE TABLE src (id bigint PRIMARY KEY, payload text NOT NULL);"
                + " CREATE TABLE dst (id bigint PRIMARY KEY, payload text NOT NULL);"
                + " INSERT INTO src SELECT g, md5(g::text) FROM generate_series(1, " + ROWS + ") g"));
        stack.kafka().createTopic("failover.src", 2);

        ConnectWorker first = ConnectWorker.startForked(stack.kafka().bootstrapServers(), WORKER);
        ConnectWorker second = null;
        try {
            second = ConnectWorker.startForked(stack.kafka().bootstrapServers(), WORKER);
            ConnectRestClient rest = first.rest();
            rest.createOrUpdateConnector("failover-source", Fixtures.sourceConfig(stack, url, "src", "failover.",
                    "batch.max.rows", "500"));
            rest.createOrUpdateConnector("failover-sink", ConnectorConfigs.sink(stack, url, "failover.src",
                    "tasks.max", "2", "table.name.format", "dst", "pk.mode", "record_key", "insert.mode", "upsert",
                    "batch.size", "500", "consumer.override.max.poll.records", "500"));
            await("the sink has started writing", true, () -> Fixtures.count(db, "dst") > 0, LOAD_TIMEOUT);
            String killedId = workerId(first);
            List<String> onKilled = placements(rest, killedId);
            first.kill();
            long atKill = Fixtures.count(db, "dst");
            assertTrue(atKill < ROWS, "killed mid-run (" + atKill + " of " + ROWS + " rows)");
            assertTrue(!onKilled.isEmpty(), "the killed worker ran something");

            ConnectRestClient survivor = second.rest();
            await("dst equals src", List.of(), () -> Fixtures.difference(db, "SELECT * FROM src", "SELECT * FROM dst"),
                    LOAD_TIMEOUT);
            survivor.awaitRunning("failover-source", LOAD_TIMEOUT);
            survivor.awaitRunning("failover-sink", LOAD_TIMEOUT);
            String survivorId = workerId(second);
            assertEquals(List.of(), placements(survivor, killedId), "nothing left on the killed worker");
            assertEquals(3, placements(survivor, survivorId).stream().filter(p -> p.contains("task")).count(),
                    "all three tasks on the survivor: " + placements(survivor, survivorId));
            survivor.deleteConnector("failover-source");
            survivor.deleteConnector("failover-sink");
        } finally {
            first.kill();
            if (second != null) {
                second.stop();
            }
        }
    }

    /** The worker id Connect reports for this worker ({@code host:port} of its REST listener). */
    private static String workerId(ConnectWorker worker) {
        return worker.restUrl().getHost() + ":" + worker.restUrl().getPort();
    }

    /** "connector X" / "task X-n" entries that the status puts on {@code workerId}. */
    @SuppressWarnings("unchecked")
    private static List<String> placements(ConnectRestClient rest, String workerId) {
        List<String> on = new ArrayList<>();
        for (String name : List.of("failover-source", "failover-sink")) {
            Map<String, Object> status = rest.status(name);
            if (workerId.equals(((Map<String, Object>) status.get("connector")).get("worker_id"))) {
                on.add("connector " + name);
            }
            for (Map<String, Object> task : (List<Map<String, Object>>) status.get("tasks")) {
                if (workerId.equals(task.get("worker_id"))) {
                    on.add("task " + name + "-" + task.get("id"));
                }
            }
        }
        return on;
    }
}
