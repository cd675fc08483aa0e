package io.tablestream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker-compose.yml cannot be run here (no Docker engine), so check what can be checked without one: images,
 * ports, healthchecks, dependencies, volumes, and that every file it mounts exists in the repository or is one
 * that {@code mvn package} writes (PackagingIT checks those exist after the build).
 */
class DockerComposeFileTest {

    private static final Path ROOT = Path.of(System.getProperty("tablestream.repo.root"));
    private static final String VERSION = System.getProperty("tablestream.version");
    /** What mvn package writes and compose mounts: the worker's plugin.path and the enricher's runnable jar. */
    private static final Set<String> BUILD_OUTPUTS = Set.of(
            "local-stack/target/plugins",
            "streams-enricher/target/streams-enricher-" + VERSION + "-app.jar");

    private final JsonNode compose = read(ROOT.resolve("docker-compose.yml"));
    private final JsonNode services = compose.get("services");

    @Test
    void servicesUseTheOfficialImagesAtOurVersions() {
        assertEquals(Set.of("kafka", "postgres", "connect", "enricher", "deploy-connectors", "generator"), names(services));
        assertEquals("apache/kafka:4.3.1", image("kafka"));
        assertEquals("apache/kafka:4.3.1", image("connect"));
        assertEquals("eclipse-temurin:17-jre", image("enricher"));
        assertTrue(image("postgres").matches("postgres:1[4-8]"), image("postgres"));
        assertEquals(image("postgres"), image("generator"), "the generator runs the server's own psql");
        assertTrue(services.get("postgres").get("command").toString().contains("wal_level=logical"));
        assertEquals("broker,controller", services.get("kafka").get("environment").get("KAFKA_PROCESS_ROLES").asText());
    }

    @Test
    void portsHealthchecksAndStartOrder() {
        assertEquals(List.of("8083:8083"), strings(services.get("connect").get("ports")));
        assertEquals(List.of("5432:5432"), strings(services.get("postgres").get("ports")));
        for (String name : List.of("kafka", "postgres", "connect", "enricher")) {
            assertTrue(services.get(name).path("healthcheck").path("test").isArray(), name + " has no healthcheck");
        }
        assertEquals(Map.of("kafka", "service_healthy", "postgres", "service_healthy"), dependsOn("connect"));
        assertEquals(Map.of("kafka", "service_healthy"), dependsOn("enricher"));
        assertEquals(Map.of("connect", "service_healthy"), dependsOn("deploy-connectors"));
        assertEquals(Map.of("postgres", "service_healthy", "deploy-connectors", "service_completed_successfully"),
                dependsOn("generator"));
        assertEquals("no", services.get("deploy-connectors").get("restart").asText());
        for (String name : List.of("kafka", "postgres", "connect", "enricher", "generator")) {
            assertEquals("unless-stopped", services.get(name).path("restart").asText(), name + " has no restart policy");
        }
    }

    @Test
    void theEnricherHealthcheckAsksItsHealthEndpoint() throws IOException {
        String port = properties(ROOT.resolve("config/compose/enricher.properties")).getProperty("http.port");
        assertTrue(Integer.parseInt(port) > 0, "http.port=" + port + ": the healthcheck needs the endpoint on");
        String test = String.join(" ", strings(services.get("enricher").get("healthcheck").get("test")));
        assertTrue(test.contains("/dev/tcp/localhost/" + port) && test.contains("GET /health ") && test.contains(" 200 "), test);
        assertEquals(List.of(port + ":" + port), strings(services.get("enricher").get("ports")));
    }

    @Test
    void theComposeEnricherRunsTheLocalStacksSettings() throws IOException {
        Properties local = properties(ROOT.resolve("config/enricher.properties"));
        Properties compose = properties(ROOT.resolve("config/compose/enricher.properties"));
        for (Properties p : List.of(local, compose)) {
            p.remove("bootstrap.servers"); // each stack's own broker
            p.remove("state.dir"); // a volume in compose, under the data directory locally
        }
        assertEquals(new java.util.TreeMap<>(local), new java.util.TreeMap<>(compose));
        assertTrue(!local.getProperty("errors.deadletter.topic", "").isBlank(), "a dead-letter topic");
    }

    @Test
    void theGeneratorInsertsUpdatesAndDeletesOrders() throws IOException {
        String command = strings(services.get("generator").get("command")).toString();
        java.util.regex.Matcher file = java.util.regex.Pattern.compile("/config/(\\S+\\.sql)").matcher(command);
        assertTrue(file.find(), command);
        String sql = Files.readString(ROOT.resolve("config").resolve(file.group(1)));
        for (String change : List.of("INSERT INTO orders", "UPDATE orders", "DELETE FROM orders")) {
            assertTrue(sql.contains(change), file.group(1) + " lacks " + change);
        }
        assertTrue(strings(services.get("generator").get("volumes")).contains("./config:/config:ro"));
    }

    @Test
    void mountsReferToRepositoryFilesBuildOutputsOrDeclaredVolumes() throws IOException {
        Set<String> declaredVolumes = names(compose.get("volumes"));
        Set<String> usedVolumes = new TreeSet<>();
        for (String name : names(services)) {
            for (String volume : strings(services.get(name).path("volumes"))) {
                String source = volume.split(":")[0];
                if (source.startsWith("./")) {
                    String path = source.substring(2);
                    assertTrue(BUILD_OUTPUTS.contains(path) || Files.exists(ROOT.resolve(path)),
                            name + " mounts " + source + ": neither in the repository nor written by mvn package");
                } else {
                    assertTrue(declaredVolumes.contains(source), name + " uses undeclared volume " + source);
                    usedVolumes.add(source);
                }
            }
        }
        assertEquals(declaredVolumes, usedVolumes, "declared but unused volumes");
        assertEquals(BUILD_OUTPUTS, new TreeSet<>(bindMountSources(ROOT.resolve("docker-compose.yml")).stream()
                .filter(s -> s.contains("/target/")).toList()));
    }

    @Test
    void mountedConfigsPointAtTheMountedPaths() throws IOException {
        Properties worker = properties(ROOT.resolve("config/compose/connect-distributed.properties"));
        assertEquals("kafka:9092", worker.getProperty("bootstrap.servers"));
        assertTrue(strings(services.get("connect").get("volumes")).contains(
                "./local-stack/target/plugins:" + worker.getProperty("plugin.path") + ":ro"));
        assertTrue(strings(services.get("connect").get("command")).contains("/etc/tablestream/connect-distributed.properties"));

        Properties enricher = properties(ROOT.resolve("config/compose/enricher.properties"));
        assertEquals("kafka:9092", enricher.getProperty("bootstrap.servers"));
        assertTrue(strings(services.get("enricher").get("volumes")).contains("enricher-state:" + enricher.getProperty("state.dir")));
        assertTrue(strings(services.get("enricher").get("command")).contains("/etc/tablestream/enricher.properties"));

        String deploy = services.get("deploy-connectors").get("command").toString();
        for (String file : Demo.connectorFiles(LocalStackOptions.DemoSource.CDC)) {
            assertTrue(deploy.contains("/config/" + file), deploy);
            assertTrue(Files.isRegularFile(ROOT.resolve("config").resolve(file)), file);
        }
        // The same connector JSON works unchanged in compose and in the local stack: both set these for the worker.
        assertEquals(Set.of(LocalStack.DB_URL_ENV, "TABLESTREAM_PG_USER", "TABLESTREAM_PG_PASSWORD"),
                names(services.get("connect").get("environment")));
    }

    /** Host paths ({@code ./...}) that the compose file bind-mounts, without the leading {@code ./}. */
    static List<String> bindMountSources(Path composeFile) {
        List<String> sources = new ArrayList<>();
        read(composeFile).get("services").forEach(service -> strings(service.path("volumes")).stream()
                .map(v -> v.split(":")[0])
                .filter(s -> s.startsWith("./"))
                .forEach(s -> sources.add(s.substring(2))));
        return sources;
    }

    private String image(String service) {
        return services.get(service).get("image").asText();
    }

    private Map<String, String> dependsOn(String service) {
        Map<String, String> conditions = new java.util.TreeMap<>();
        services.get(service).get("depends_on").fields()
                .forEachRemaining(e -> conditions.put(e.getKey(), e.getValue().get("condition").asText()));
        return conditions;
    }

    private static Set<String> names(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.asText()));
        return values;
    }

    private static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    private static JsonNode read(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot parse " + file + ": " + e.getMessage(), e);
        }
    }
}
