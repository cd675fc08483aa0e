package io.tablestream.e2e.compat;

import io.tablestream.testkit.PostgresServer;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The PostgreSQL majors the connectors support, each one run for real: for every server binary in
 * {@code tablestream.pg.binaries} (the build copies 13, 14, 15, 16 and 17 there; the rest of the suite runs on 18),
 * an embedded server of that version gets a CDC source (snapshot, then inserts, updates that leave an out-of-line
 * value untouched, deletes), a timestamp+incrementing polling source on a {@code DEFAULT now()} stamp, and the sink
 * writing both streams into another database of the same server; the mirror must equal the tables row by row.
 */
@ExtendWith(TablestreamStack.class)
record PostgresMajorsIT(Stack stack) {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern BINARIES_VERSION = Pattern.compile("-(\\d+)\\.(\\d+)\\.\\d+\\.jar$");
    /** About 16 KB of md5 hashes chained from a seed: incompressible, so stored out of line. */
    private static final String BIG = "(SELECT string_agg(md5(%s::text || i::text), '' ORDER BY i) FROM generate_series(1, 500) i)";

    static Stream<Path> serverBinaries() throws IOException {
        String dir = System.getProperty("tablestream.pg.binaries");
        if (dir == null) {
            throw new IllegalStateException("System property tablestream.pg.binaries is not set: run through Maven"
                    + " (failsafe sets it; the build copies the server binaries there)");
        }
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            List<Path> jars = files.filter(f -> BINARIES_VERSION.matcher(f.getFileName().toString()).find())
                    .sorted().toList();
            assertFalse(jars.isEmpty(), "no PostgreSQL server binaries in " + dir);
            return jars.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverBinaries")
    void cdcAndPollingMirrorTablesThroughTheSink(Path binaries) throws Exception {
        Matcher version = BINARIES_VERSION.matcher(binaries.getFileName().toString());
        assertEquals(true, version.find());
        int major = Integer.parseInt(version.group(1));
        String name = "pg" + major;
        try (PostgresServer server = PostgresServer.startEmbeddedFrom(binaries, null, Map.of())) {
            Jdbi source = Jdbi.create(server.createDatabase("majors_src"), server.user(), server.passwordOrEmpty());
            Jdbi mirror = Jdbi.create(server.createDatabase("majors_dst"), server.user(), server.passwordOrEmpty());
            assertEquals(major, source.withHandle(h -> h.createQuery("SHOW server_version_num")
                    .mapTo(Integer.class).one()) / 10_000, "server major of " + binaries.getFileName());

            source.useHandle(h -> h.execute("""
                    CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL, big text NOT NULL);
                    ALTER TABLE items ALTER COLUMN big SET STORAGE EXTERNAL;
                    INSERT INTO items SELECT g, 'v' || g, g, %s FROM generate_series(1, 100) g;
                    CREATE TABLE events (id serial PRIMARY KEY, v text NOT NULL,
                                         updated_at timestamptz NOT NULL DEFAULT now());
                    INSERT INTO events (v) SELECT 'e' || g FROM generate_series(1, 50) g"""
                    .formatted(BIG.formatted("g"))));

            List<String> connectors = List.of(name + "-cdc", name + "-poll", name + "-items-sink", name + "-events-sink");
            try {
                deploy(name + "-cdc", sourceConfig(server, "items", name + "-cdc.",
                        "mode", "cdc", "slot.name", name + "_majors"));
                deploy(name + "-poll", sourceConfig(server, "events", name + "-poll.",
                        "mode", "timestamp+incrementing", "incrementing.column.name", "id",
                        "timestamp.column.name", "updated_at", "poll.interval.ms", "200"));
                deploy(name + "-items-sink", sinkConfig(server, name + "-cdc.items", "items",
                        "pk.mode", "record_key", "delete.enabled", "true"));
                deploy(name + "-events-sink", sinkConfig(server, name + "-poll.events", "events",
                        "pk.mode", "record_value", "pk.fields", "id"));

                source.useHandle(h -> h.execute("""
                        INSERT INTO items SELECT g, 'v' || g, g, %s FROM generate_series(101, 150) g;
                        UPDATE items SET v = v || '-updated' WHERE id %% 3 = 0;
                        UPDATE items SET big = %s WHERE id %% 7 = 0;
                        DELETE FROM items WHERE id %% 5 = 0;
                        INSERT INTO events (v) SELECT 'e' || g FROM generate_series(51, 70) g;
                        UPDATE events SET v = v || '-updated', updated_at = clock_timestamp() WHERE id %% 4 = 0"""
                        .formatted(BIG.formatted("g"), BIG.formatted("(-id)"))));

                awaitEqual(source, mirror, "items", "id, v, n, md5(big)");
                awaitEqual(source, mirror, "events", "id, v");
                for (String connector : connectors) {
                    stack.rest().awaitRunning(connector, TIMEOUT);
                }
            } finally {
                connectors.forEach(stack.rest()::deleteConnectorIfExists);
            }
        }
    }

    private void deploy(String name, Map<String, String> config) {
        stack.rest().createOrUpdateConnector(name, config);
        stack.rest().awaitRunning(name, TIMEOUT);
    }

    private static Map<String, String> sourceConfig(PostgresServer server, String tables, String topicPrefix,
                                                    String... extra) {
        Map<String, String> config = connection(server, "majors_src");
        config.put("connector.class", "io.tablestream.source.PostgresSourceConnector");
        config.put("table.include.list", tables);
        config.put("topic.prefix", topicPrefix);
        return with(config, extra);
    }

    private static Map<String, String> sinkConfig(PostgresServer server, String topic, String table, String... extra) {
        Map<String, String> config = connection(server, "majors_dst");
        config.put("connector.class", "io.tablestream.sink.PostgresSinkConnector");
        config.put("topics", topic);
        config.put("table.name.format", table);
        config.put("insert.mode", "upsert");
        config.put("auto.create", "true");
        config.put("consumer.override.auto.offset.reset", "earliest");
        return with(config, extra);
    }

    private static Map<String, String> connection(PostgresServer server, String database) {
        Map<String, String> config = new HashMap<>();
        config.put("tasks.max", "1");
        config.put("connection.url", server.jdbcUrl(database));
        config.put("connection.user", server.user());
        config.put("connection.password", server.passwordOrEmpty());
        return config;
    }

    private static Map<String, String> with(Map<String, String> config, String... extra) {
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }

    /** Waits until {@code columns} of {@code table} read the same, row by row, in both databases. */
    private static void awaitEqual(Jdbi source, Jdbi mirror, String table, String columns) throws InterruptedException {
        String query = "SELECT " + columns + " FROM " + table + " ORDER BY id";
        List<Map<String, Object>> expected = source.withHandle(h -> h.createQuery(query).mapToMap().list());
        List<Map<String, Object>> actual = List.of();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean created = mirror.withHandle(h -> h.select("SELECT to_regclass(?) IS NOT NULL", table)
                    .mapTo(Boolean.class).one());
            actual = created ? mirror.withHandle(h -> h.createQuery(query).mapToMap().list()) : List.of();
            if (actual.equals(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        assertEquals(expected, actual, "mirror of " + table);
    }
}
