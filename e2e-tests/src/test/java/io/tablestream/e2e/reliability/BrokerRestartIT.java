package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectRestClient;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.PersistentKafkaBroker;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.reliability.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka broker is stopped mid-run, rows are inserted while it is down, and it is started again on the same ports
 * and data. The source and sink (on their own Connect worker, a child JVM, and their own restartable broker: the
 * shared test broker cannot restart in place) recover without user action: both RUNNING, and the sink table equals
 * the source table row by row (the sink upserts by key, so a re-sent row is not a duplicate).
 */
@ExtendWith(TablestreamStack.class)
record BrokerRestartIT(Stack stack) {

    private static final String DB = "broker_restart_it";
    private static final int ROWS_BEFORE = 20_000;
    private static final int ROWS_WHILE_DOWN = 5_000;
    private static final long OUTAGE_MS = 3_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void connectorsRecoverWhenTheBrokerComesBack(@TempDir Path kafkaData) {
        String url = stack.postgres().createDatabase(DB);
        Jdbi db = Jdbi.create(() -> stack.postgres().connect(DB));
        db.useHandle(h -> h.execute("CREATE TABLE src (id bigint PRIMARY KEY, payload text NOT NULL);"
                + " CREATE TABLE dst (id bigint PRIMARY KEY, payload text NOT NULL);"
                + " INSERT INTO src SELECT g, md5(g::text) FROM generate_series(1, " + ROWS_BEFORE + ") g"));

        try (PersistentKafkaBroker broker = PersistentKafkaBroker.start(kafkaData)) {
            broker.createTopic("restart.src", 1);
            ConnectWorker worker = ConnectWorker.startForked(broker.bootstrapServers(), Map.of());
            try {
                ConnectRestClient rest = worker.rest();
                rest.createOrUpdateConnector("restart-source", Fixtures.sourceConfig(stack, url, "src", "restart.",
                        "batch.max.rows", "500"));
                rest.createOrUpdateConnector("restart-sink", ConnectorConfigs.sink(stack, url, "restart.src",
                        "table.name.format", "dst", "pk.mode", "record_key", "insert.mode", "upsert",
                        "batch.size", "500", "consumer.override.max.poll.records", "500"));
                await("the sink has started writing", true, () -> Fixtures.count(db, "dst") > 0, TIMEOUT);

                broker.shutdown();
                long atStop = Fixtures.count(db, "dst");
                db.useHandle(h -> h.execute("INSERT INTO src SELECT g, md5(g::text) FROM generate_series("
                        + (ROWS_BEFORE + 1) + ", " + (ROWS_BEFORE + ROWS_WHILE_DOWN) + ") g"));
                // the outage: long enough for the source to poll the new rows (every 200 ms) with no broker to
                // send them to, and for every client of the worker to lose its connections
                Pause.millis(OUTAGE_MS);
                broker.startup();
                assertTrue(atStop < ROWS_BEFORE + ROWS_WHILE_DOWN, "stopped mid-run (" + atStop + " rows written)");

                await("dst equals src", List.of(),
                        () -> Fixtures.difference(db, "SELECT * FROM src", "SELECT * FROM dst"), TIMEOUT);
                rest.awaitRunning("restart-source", TIMEOUT);
                rest.awaitRunning("restart-sink", TIMEOUT);
                // still flowing after the restart: a new row arrives without user action
                db.useHandle(h -> h.execute("INSERT INTO src VALUES (" + (ROWS_BEFORE + ROWS_WHILE_DOWN + 1)
                        + ", 'after the restart')"));
                await("dst equals src after a new row", List.of(),
                        () -> Fixtures.difference(db, "SELECT * FROM src", "SELECT * FROM dst"), TIMEOUT);
                rest.deleteConnector("restart-source");
                rest.deleteConnector("restart-sink");
            } finally {
                worker.stop();
            }
        }
    }
}
