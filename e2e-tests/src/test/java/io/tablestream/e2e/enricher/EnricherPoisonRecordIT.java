package io.tablestream.e2e.enricher;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
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

    private static final String ORDERS = "poison_orders";
    private static final String CUSTOMERS = "poison_customers";
    private static final Schema ID_KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();

    private final KafkaBroker kafka;
    private Process child;

    EnricherPoisonRecordIT(KafkaBroker kafka) {
        this.kafka = kafka;
    }

    @AfterEach
    void stopChild() {
        if (child != null) {
            child.destroyForcibly();
        }
    }

    @Test
    void aRecordThatCannotBeReadStopsTheAppWithItsCoordinatesAndTheFix(@TempDir Path dir) throws Exception {
        kafka.createTopic(ORDERS, 1);
        kafka.createTopic(CUSTOMERS, 1);
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter values = new JsonConverter();
        values.configure(Map.of("schemas.enable", "true"), false);
        RecordMetadata poison;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(CUSTOMERS, keys.fromConnectData(CUSTOMERS, ID_KEY,
                    new Struct(ID_KEY).put("id", 1)), values.fromConnectData(CUSTOMERS, CUSTOMER,
                    new Struct(CUSTOMER).put("id", 1).put("name", "Alice")))).get();
            poison = producer.send(new ProducerRecord<>(ORDERS, keys.fromConnectData(ORDERS, ID_KEY,
                    new Struct(ID_KEY).put("id", 100)), "not json".getBytes(StandardCharsets.UTF_8))).get();
        }
        Path file = dir.resolve("enricher.properties");
        Properties props = new Properties();
        props.putAll(Map.of("application.id", "poison-it-enricher", "bootstrap.servers", kafka.bootstrapServers(),
                "input.topic", ORDERS, "lookup.topic", CUSTOMERS, "output.topic", "poison_enriched_orders",
                "join.field", "customer_id", "state.dir", dir.resolve("state").toString(),
                "commit.interval.ms", "100"));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "EnricherPoisonRecordIT");
        }
        Path output = dir.resolve("enricher.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EnricherApp.class.getName(), file.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();

        // Startup on a loaded machine takes a while; an app that replaces its thread forever never exits.
        boolean exited = child.waitFor(150, TimeUnit.SECONDS);

        String log = Files.readString(output);
        assertTrue(exited, "the enricher still runs with a record it cannot read; its log:\n" + tail(log));
        assertEquals(1, child.exitValue(), tail(log));
        String expected = "the record at topic '" + ORDERS + "' partition " + poison.partition() + " offset "
                + poison.offset() + " cannot be read";
        assertTrue(log.contains(expected), expected + " missing from\n" + tail(log));
        assertTrue(log.contains("set errors.deadletter.topic"), tail(log));
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }
}
