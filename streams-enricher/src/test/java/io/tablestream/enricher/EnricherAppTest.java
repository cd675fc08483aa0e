package io.tablestream.enricher;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnricherAppTest {

    @TempDir
    Path dir;

    @Test
    void createsAnUnstartedStreamsClientFromAPropertiesFile() throws Exception {
        Path file = dir.resolve("enricher.properties");
        Files.writeString(file, String.join("\n",
                "bootstrap.servers=localhost:9092",
                "input.topic=orders",
                "lookup.topic=customers",
                "output.topic=enriched_orders",
                "join.field=customer_id",
                "state.dir=" + dir.resolve("state")));
        Properties props = EnricherApp.load(file);

        KafkaStreams streams = EnricherApp.create(new EnricherConfig(props));
        try {
            assertEquals(KafkaStreams.State.CREATED, streams.state());
        } finally {
            streams.close(Duration.ofSeconds(10));
        }
    }

    @Test
    void aMissingTopicIsNamedWithTheKeyThatNamesIt() {
        EnricherConfig config = new EnricherConfig(Map.of("bootstrap.servers", "localhost:9092",
                "input.topic", "orders", "output.topic", "enriched_orders", "lookups", "customers,regions",
                "lookup.customers.topic", "custmers", "lookup.customers.join.field", "customer_id",
                "lookup.regions.topic", "regions", "lookup.regions.join.field", "customers_region_id"));

        assertEquals("Waiting for topics to exist: 'custmers' (lookup.customers.topic), 'orders' (input.topic). A "
                + "source connector creates its topic with its first row; if a name is wrong, fix the key named",
                EnricherApp.missingTopics(config, new TreeSet<>(Set.of("custmers", "orders"))));
    }

    @Test
    void secretsAreMaskedInTheLoggedConfig() {
        Map<String, Object> masked = EnricherApp.masked(Map.of(
                "ssl.keystore.password", "s3cret",
                "sasl.jaas.config", "... password=\"s3cret\";",
                "state.dir", "/var/lib/enricher"));

        assertEquals(Map.of("ssl.keystore.password", "[hidden]", "sasl.jaas.config", "[hidden]",
                "state.dir", "/var/lib/enricher"), masked);
    }

    @Test
    void healthIsServiceUnavailableUntilStreamsRuns() throws Exception {
        KafkaStreams streams = EnricherApp.create(new EnricherConfig(Map.of(
                "bootstrap.servers", "localhost:9092", "input.topic", "orders", "lookup.topic", "customers",
                "output.topic", "enriched_orders", "join.field", "customer_id", "state.dir",
                dir.resolve("state").toString())));
        try (HealthServer server = HealthServer.start(0, streams)) {
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + server.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(503, health.statusCode());
            assertEquals("CREATED\n", health.body());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("tablestream_enricher_up 0\n"), metrics.body());
            assertTrue(metrics.body().contains("tablestream_enricher_dead_lettered_total 0\n"), metrics.body());
        } finally {
            streams.close(Duration.ofSeconds(10));
        }
    }
}
