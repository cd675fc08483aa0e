package io.tablestream.enricher;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void secretsAreMaskedInTheLoggedConfig() {
        Map<String, Object> masked = EnricherApp.masked(Map.of(
                "ssl.keystore.password", "s3cret",
                "sasl.jaas.config", "... password=\"s3cret\";",
                "state.dir", "/var/lib/enricher"));

        assertEquals(Map.of("ssl.keystore.password", "[hidden]", "sasl.jaas.config", "[hidden]",
                "state.dir", "/var/lib/enricher"), masked);
    }
}
