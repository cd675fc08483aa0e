package io.tablestream.local.containers;

import io.tablestream.testkit.ConnectRestClient;
import io.tablestream.testkit.ConnectWorker;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The source and sink connectors against containers instead of the embedded parts: Kafka from the official
 * {@code apache/kafka} image and each supported PostgreSQL major. Runs with {@code mvn verify -Ptestcontainers};
 * skipped where there is no Docker engine ({@code disabledWithoutDocker}). The Connect worker runs in this JVM and
 * finds the connectors through their service-loader manifests (the plugin jars are on the test classpath).
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainersPipelineIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Container
    private static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.3.1");

    private static ConnectWorker worker;

    @BeforeAll
    static void startWorker() {
        worker = ConnectWorker.start(KAFKA.getBootstrapServers());
    }

    @AfterAll
    static void stopWorker() {
        if (worker != null) {
            worker.stop();
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(strings = {"14", "15", "16", "17", "18"})
    void copiesATableThroughKafka(String major) throws Exception {
        try (PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:" + major)
                .withCommand("postgres", "-c", "wal_level=logical")) {
            postgres.start();
            try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, price numeric(10,2))");
                s.execute("INSERT INTO items (name, price) VALUES ('tea', 3.50), ('café', 4.20), ('water', NULL)");
            }
            String prefix = "pg" + major + ".";
            Map<String, String> connection = Map.of("connection.url", postgres.getJdbcUrl(),
                    "connection.user", postgres.getUsername(), "connection.password", postgres.getPassword());
            ConnectRestClient rest = worker.rest();
            Map<String, String> source = new java.util.HashMap<>(connection);
            source.putAll(Map.of("connector.class", "io.tablestream.source.PostgresSourceConnector",
                    "table.include.list", "items", "mode", "incrementing", "incrementing.column.name", "id",
                    "topic.prefix", prefix, "poll.interval.ms", "200"));
            Map<String, String> sink = new java.util.HashMap<>(connection);
            sink.putAll(Map.of("connector.class", "io.tablestream.sink.PostgresSinkConnector",
                    "topics", prefix + "items", "table.name.format", "items_copy", "insert.mode", "upsert",
                    "pk.mode", "record_key", "auto.create", "true"));
            rest.createOrUpdateConnector("source-pg" + major, source);
            rest.createOrUpdateConnector("sink-pg" + major, sink);
            try {
                List<String> expected = List.of("1 tea 3.50", "2 café 4.20", "3 water null");
                List<String> copied = List.of();
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (!copied.equals(expected) && System.nanoTime() < deadline) {
                    Thread.sleep(300);
                    copied = copy(postgres);
                }
                assertEquals(expected, copied, "items_copy on PostgreSQL " + major);
            } finally {
                rest.deleteConnectorIfExists("source-pg" + major);
                rest.deleteConnectorIfExists("sink-pg" + major);
            }
        }
    }

    private static List<String> copy(PostgreSQLContainer postgres) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
             Statement s = c.createStatement();
             ResultSet exists = s.executeQuery("SELECT to_regclass('items_copy') IS NOT NULL")) {
            exists.next();
            if (!exists.getBoolean(1)) {
                return rows;
            }
            try (ResultSet rs = s.executeQuery("SELECT id || ' ' || name || ' ' || coalesce(price::text, 'null') FROM items_copy ORDER BY id")) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
        }
        return rows;
    }
}
