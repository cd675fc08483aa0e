package io.tablestream.e2e;

import io.tablestream.testkit.ConnectRestClient;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged plugin jars work as operators deploy them: dropped alone into a worker's plugin.path, on a worker
 * whose classpath has neither the connectors nor their dependencies (jdbi, the PostgreSQL driver).
 */
@ExtendWith(TablestreamStack.class)
record PluginPathIT(Stack stack) {

    /** Classpath entries a real worker does not have: our modules and what the plugin jars bundle. */
    private static final Pattern NOT_ON_A_WORKER =
            Pattern.compile(".*(source-connector|sink-connector|jdbc-common|jdbi3-|postgresql-|geantyref|checker-qual).*");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void bothConnectorsLoadFromPluginPathAndCopyATable(@TempDir Path pluginDir) throws Exception {
        for (String property : List.of("tablestream.source.plugin", "tablestream.sink.plugin")) {
            Path jar = Path.of(System.getProperty(property));
            assertTrue(Files.isRegularFile(jar), "plugin jar missing (run mvn package): " + jar);
            Files.copy(jar, pluginDir.resolve(jar.getFileName()));
        }
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !NOT_ON_A_WORKER.matcher(entry).matches())
                .collect(Collectors.joining(File.pathSeparator));

        String url = stack.postgres().createDatabase("plugin_path_it");
        Jdbi db = Jdbi.create(() -> stack.postgres().connect("plugin_path_it"));
        db.useHandle(h -> h.execute("""
                CREATE TABLE products (id bigserial PRIMARY KEY, name text NOT NULL, price numeric(10,2));
                INSERT INTO products (name, price) VALUES ('tea', 3.50), ('café', 4.20), ('water', NULL);
                """));

        try (ConnectWorker worker = ConnectWorker.startForked(stack.kafka().bootstrapServers(),
                Map.of("plugin.path", pluginDir.toString()), classpath)) {
            ConnectRestClient rest = worker.rest();
            List<String> plugins = rest.connectorPlugins().stream()
                    .map(p -> p.get("class") + " " + p.get("version")).toList();
            assertTrue(plugins.contains("io.tablestream.source.PostgresSourceConnector 0.1.0-SNAPSHOT"), plugins.toString());
            assertTrue(plugins.contains("io.tablestream.sink.PostgresSinkConnector 0.1.0-SNAPSHOT"), plugins.toString());

            rest.createOrUpdateConnector("plugin-path-source", ConnectorConfigs.source(stack, url, "plugin-path.",
                    "table.include.list", "products", "mode", "incrementing", "incrementing.column.name", "id"));
            rest.createOrUpdateConnector("plugin-path-sink", ConnectorConfigs.sink(stack, url, "plugin-path.products",
                    "table.name.format", "products_copy", "insert.mode", "upsert", "pk.mode", "record_key",
                    "auto.create", "true"));
            rest.awaitRunning("plugin-path-source", TIMEOUT);
            rest.awaitRunning("plugin-path-sink", TIMEOUT);

            List<String> expected = List.of("1 tea 3.50", "2 café 4.20", "3 water null");
            List<String> copied = List.of();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && !copied.equals(expected)) {
                Thread.sleep(200);
                copied = db.withHandle(h -> h.createQuery("SELECT to_regclass('products_copy') IS NOT NULL")
                        .mapTo(Boolean.class).one()
                        ? h.createQuery("SELECT id || ' ' || name || ' ' || coalesce(price::text, 'null') FROM products_copy ORDER BY id")
                        .mapTo(String.class).list()
                        : List.of());
            }
            assertEquals(expected, copied, "products_copy after the copy through plugin.path; worker log: " + worker.logFile());
            rest.deleteConnector("plugin-path-source");
            rest.deleteConnector("plugin-path-sink");
        }
    }
}
