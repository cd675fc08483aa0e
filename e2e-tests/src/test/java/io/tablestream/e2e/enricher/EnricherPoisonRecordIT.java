package io.tablestream.e2e.enricher;

import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a dead-letter topic, a record that cannot be read stops the enricher (run as {@code java -jar} runs it,
 * in a child JVM) with exit status 1 and a message naming the record's coordinates and the fix, instead of
 * replacing its stream thread forever while it looks healthy.
 */
@ExtendWith(TablestreamStack.class)
class EnricherPoisonRecordIT {

    private final KafkaBroker kafka;
    private final EnricherFixture fixture;

    EnricherPoisonRecordIT(KafkaBroker kafka) {
        this.kafka = kafka;
        this.fixture = new EnricherFixture(kafka, "poison_", Duration.ofSeconds(60));
    }

    @AfterEach
    void stopChild() {
        fixture.close();
    }

    @Test
    void aRecordThatCannotBeReadStopsTheAppWithItsCoordinatesAndTheFix(@TempDir Path dir) throws Exception {
        kafka.createTopic(fixture.orders, 1);
        kafka.createTopic(fixture.customers, 1);
        RecordMetadata poison;
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.send(producer, fixture.customers, 1, EnricherFixture.CUSTOMER,
                    new Struct(EnricherFixture.CUSTOMER).put("id", 1).put("name", "Alice")).get();
            poison = producer.send(new ProducerRecord<>(fixture.orders, fixture.key(fixture.orders, 100),
                    "not json".getBytes(StandardCharsets.UTF_8))).get();
        }
        Path output = dir.resolve("enricher.log");
        Process child = fixture.startChild(EnricherFixture.with(fixture.config("poison-it-enricher"),
                "state.dir", dir.resolve("state").toString()), dir.resolve("enricher.properties"), output);

        // Startup on a loaded machine takes a while; an app that replaces its thread forever never exits.
        boolean exited = child.waitFor(150, TimeUnit.SECONDS);

        String log = Files.readString(output);
        assertTrue(exited, "the enricher still runs with a record it cannot read; its log:\n" + tail(log));
        assertEquals(1, child.exitValue(), tail(log));
        String expected = "the record at topic '" + fixture.orders + "' partition " + poison.partition() + " offset "
                + poison.offset() + " cannot be read";
        assertTrue(log.contains(expected), expected + " missing from\n" + tail(log));
        assertTrue(log.contains("set errors.deadletter.topic"), tail(log));
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }
}
