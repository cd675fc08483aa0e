package io.tablestream.e2e;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.streams.KafkaStreams;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The walking skeleton end to end: PostgreSQL tables -> source connector -> enricher -> sink connector -> a
 * PostgreSQL table, with both connectors deployed as users deploy them, as JSON over the worker's REST API.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineIT {

    private static final String PREFIX = "pipeline.";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final Stack stack;
    private Jdbi db;
    private String url;
    private KafkaStreams enricher;

    PipelineIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeAll
    void createTablesAndDeploy(@TempDir Path stateDir) throws Exception {
        url = stack.postgres().createDatabase("pipeline_it");
        db = Jdbi.create(() -> stack.postgres().connect("pipeline_it"));
        db.useHandle(h -> h.execute("""
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, city text,
                                        updated_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL,
                                     status text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
                """));

        // As in production, the topics exist before the enricher starts (Kafka Streams needs its input topics).
        for (String topic : List.of("customers", "orders", "enriched_orders")) {
            stack.kafka().createTopic(PREFIX + topic, 1);
        }
        stack.rest().createOrUpdateConnector("pipeline-source", ConnectorConfigs.source(stack, url, PREFIX,
                "table.include.list", "customers,orders", "mode", "timestamp+incrementing",
                "incrementing.column.name", "id", "timestamp.column.name", "updated_at"));
        stack.rest().createOrUpdateConnector("pipeline-sink", ConnectorConfigs.sink(stack, url, PREFIX + "enriched_orders",
                "table.name.format", "enriched_orders", "insert.mode", "upsert", "pk.mode", "record_key",
                "auto.create", "true"));
        stack.rest().awaitRunning("pipeline-source", TIMEOUT);
        stack.rest().awaitRunning("pipeline-sink", TIMEOUT);

        enricher = EnricherApp.create(new EnricherConfig(Map.ofEntries(
                Map.entry("application.id", "pipeline-it-enricher"),
                Map.entry("bootstrap.servers", stack.kafka().bootstrapServers()),
                Map.entry("input.topic", PREFIX + "orders"),
                Map.entry("lookup.topic", PREFIX + "customers"),
                Map.entry("output.topic", PREFIX + "enriched_orders"),
                Map.entry("join.field", "customer_id"),
                Map.entry("lookup.fields", "name,city"),
                Map.entry("lookup.prefix", "customer_"),
                Map.entry("join.type", "inner"),
                Map.entry("state.dir", stateDir.toString()),
                Map.entry("commit.interval.ms", "100"))));
        enricher.start();
    }

    @AfterAll
    void stop() {
        if (enricher != null) {
            enricher.close(Duration.ofSeconds(30));
        }
        stack.rest().deleteConnector("pipeline-source");
        stack.rest().deleteConnector("pipeline-sink");
    }

    @Test
    void tableChangesFlowThroughTheEnricherIntoTheSinkTable() {
        db.useHandle(h -> h.execute("INSERT INTO customers (name, city) VALUES ('Ada', 'London'), ('Grace', 'New York')"));
        awaitTopicValue("customers", "name", "Grace");
        db.useHandle(h -> h.execute("""
                INSERT INTO orders (customer_id, amount, status) VALUES
                  (1, 10.50, 'new'), (2, 20.00, 'new'), (1, 5.25, 'paid')"""));

        awaitRows(List.of(
                List.of("1", "1", "10.50", "new", "Ada", "London"),
                List.of("2", "2", "20.00", "new", "Grace", "New York"),
                List.of("3", "1", "5.25", "paid", "Ada", "London")));

        // An update of an order reaches the sink as an upsert of the same row.
        db.useHandle(h -> h.execute("UPDATE orders SET amount = 25.00, status = 'shipped', updated_at = now() WHERE id = 2"));
        awaitRows(List.of(
                List.of("1", "1", "10.50", "new", "Ada", "London"),
                List.of("2", "2", "25.00", "shipped", "Grace", "New York"),
                List.of("3", "1", "5.25", "paid", "Ada", "London")));

        // Stream-table join: a renamed customer shows in orders enriched afterwards, earlier orders keep the old name.
        db.useHandle(h -> h.execute("UPDATE customers SET name = 'Ada Lovelace', updated_at = now() WHERE id = 1"));
        awaitTopicValue("customers", "name", "Ada Lovelace");
        db.useHandle(h -> h.execute("INSERT INTO orders (customer_id, amount, status) VALUES (1, 99.99, 'new')"));
        awaitRows(List.of(
                List.of("1", "1", "10.50", "new", "Ada", "London"),
                List.of("2", "2", "25.00", "shipped", "Grace", "New York"),
                List.of("3", "1", "5.25", "paid", "Ada", "London"),
                List.of("4", "1", "99.99", "new", "Ada Lovelace", "London")));
    }

    private void awaitTopicValue(String table, String field, String expected) {
        TopicReader.awaitValue(stack.kafka().bootstrapServers(), PREFIX + table, field, expected, TIMEOUT);
    }

    /** Polls the sink table until it holds exactly the expected rows; on timeout shows what it last held. */
    private void awaitRows(List<List<String>> expected) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<List<String>> actual = List.of();
        while (System.nanoTime() < deadline) {
            actual = sinkRows();
            if (actual.equals(expected)) {
                return;
            }
            sleep(200);
        }
        assertEquals(expected, actual, "enriched_orders did not reach the expected rows within " + TIMEOUT);
    }

    private List<List<String>> sinkRows() {
        return db.withHandle(h -> {
            boolean exists = h.createQuery("SELECT to_regclass('public.enriched_orders') IS NOT NULL")
                    .mapTo(Boolean.class).one();
            if (!exists) {
                return List.of();
            }
            return h.createQuery("""
                            SELECT id, customer_id, amount, status, customer_name, customer_city
                            FROM enriched_orders ORDER BY id""")
                    .map((rs, ctx) -> List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6)))
                    .list();
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
