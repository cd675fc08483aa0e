package io.tablestream.local;

import org.apache.kafka.tools.ConnectPluginPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code mvn package} produces fits Connect's conventions, as judged by Kafka's own
 * {@code connect-plugin-path list} tool: each plugin jar, and the unpacked Confluent-Hub-style archive.
 */
class PackagingIT {

    private static final String VERSION = System.getProperty("tablestream.version");
    private static final Path PLUGINS = Path.of(System.getProperty("tablestream.plugins.dir"));
    private static final Path ZIP = Path.of(System.getProperty("tablestream.connect.zip"));
    private static final String SOURCE = "io.tablestream.source.PostgresSourceConnector";
    private static final String SINK = "io.tablestream.sink.PostgresSinkConnector";

    @Test
    void eachPluginJarHoldsItsConnectorWithAServiceLoaderManifest() {
        Map<String, String> connectorOfJar = Map.of(
                "source-connector-" + VERSION + "-plugin.jar", SOURCE,
                "sink-connector-" + VERSION + "-plugin.jar", SINK);
        for (Map.Entry<String, String> e : connectorOfJar.entrySet()) {
            Path jar = PLUGINS.resolve(e.getKey());
            assertTrue(Files.isRegularFile(jar), "missing " + jar);
            Map<String, Map<String, String>> connectors = listConnectors(jar);
            assertEquals(List.of(e.getValue()), List.copyOf(connectors.keySet()), "connectors in " + jar);
            assertLoadableWithManifest(connectors.get(e.getValue()), e.getValue());
        }
    }

    @Test
    void theArchiveHasTheConfluentHubLayoutAndBothConnectors(@TempDir Path dir) throws IOException {
        List<String> entries = unzip(ZIP, dir);
        String root = "tablestream-connect-postgresql-" + VERSION + "/";
        for (String expected : List.of("manifest.json", "lib/source-connector-" + VERSION + "-plugin.jar",
                "lib/sink-connector-" + VERSION + "-plugin.jar", "doc/README.md", "doc/docs/README.md", "etc/source-shop.json",
                "etc/sink-enriched-orders.json", "etc/connect-distributed.properties", "etc/enricher.properties")) {
            assertTrue(entries.contains(root + expected), root + expected + " not in " + entries);
        }
        String manifest = Files.readString(dir.resolve(root + "manifest.json"));
        assertTrue(manifest.contains("\"version\": \"" + VERSION + "\""), manifest);
        // Confluent Hub names an archive <owner.username>-<name>-<version>.zip.
        assertTrue(manifest.contains("\"username\": \"tablestream\"") && manifest.contains("\"name\": \"connect-postgresql\""), manifest);
        for (String field : List.of("documentation_url", "source_url", "owner", "requirements", "PostgreSQL 13", "Kafka Connect 4.1")) {
            assertTrue(manifest.contains(field), field + " missing from manifest.json: " + manifest);
        }

        Map<String, Map<String, String>> connectors = listConnectors(dir.resolve(root));
        assertEquals(List.of(SINK, SOURCE), connectors.keySet().stream().sorted().toList());
        assertLoadableWithManifest(connectors.get(SOURCE), SOURCE);
        assertLoadableWithManifest(connectors.get(SINK), SINK);
    }

    @Test
    void everyPathDockerComposeMountsFromTheBuildExists() throws IOException {
        Path root = Path.of(System.getProperty("tablestream.repo.root"));
        for (String source : DockerComposeFileTest.bindMountSources(root.resolve("docker-compose.yml"))) {
            assertTrue(Files.exists(root.resolve(source)), "docker-compose.yml mounts " + source + ", which mvn package did not produce");
        }
    }

    private static void assertLoadableWithManifest(Map<String, String> row, String connector) {
        assertTrue(List.of("source", "sink").contains(row.get("pluginType")), row.toString());
        assertEquals(VERSION, row.get("pluginVersion"), connector + ": " + row);
        assertEquals("true", row.get("isLoadable"), connector + ": " + row);
        assertEquals("true", row.get("hasManifest"), connector + " has no META-INF/services entry: " + row);
    }

    /** Runs {@code connect-plugin-path list --plugin-location <location>}; returns the rows of our connectors by class. */
    private static Map<String, Map<String, String>> listConnectors(Path location) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ConnectPluginPath.mainNoExit(new String[] {"list", "--plugin-location", location.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String output = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, "connect-plugin-path list failed: " + err.toString(StandardCharsets.UTF_8));
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        String[] header = lines.get(0).split("\t");
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split("\t");
            if (cells.length == header.length && cells[0].startsWith("io.tablestream.")) {
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < header.length; i++) {
                    row.put(header[i], cells[i]);
                }
                rows.put(cells[0], row);
            }
        }
        assertTrue(!rows.isEmpty(), "no tablestream plugin in the output of connect-plugin-path for " + location
                + ":\n" + output + Arrays.toString(header));
        return rows;
    }

    private static List<String> unzip(Path zip, Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(zip); ZipInputStream zin = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = zin.getNextEntry()) != null; ) {
                names.add(entry.getName());
                Path target = dir.resolve(entry.getName()).normalize();
                assertTrue(target.startsWith(dir), "zip entry escapes the directory: " + entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zin, target);
                }
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "the archive has one top-level directory");
        }
        return names;
    }
}
