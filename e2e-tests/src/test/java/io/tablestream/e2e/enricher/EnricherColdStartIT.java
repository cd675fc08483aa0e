package io.tablestream.e2e.enricher;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A cold start over topics that already hold everything, the lookup rows written after the stream records that
 * point to them (so their timestamps are later too, as when a table is snapshotted after another): an inner join
 * in {@code stream} semantics still enriches every order.
 */
@ExtendWith(TablestreamStack.class)
class EnricherColdStartIT {

    private static final String PREFIX = "coldstart_";
    private static final String ORDERS = PREFIX + "orders";
    private static final String CUSTOMERS = PREFIX + "customers";
    private static final String OUTPUT = PREFIX + "enriched_orders";
    private static final int ORDER_COUNT = 300;
    private static final int CUSTOMER_COUNT = 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final Schema ID_KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ORDER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("customer_id", Schema.INT32_SCHEMA).build();
    private static final Schema CUSTOMER = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();

    private final KafkaBroker kafka;
    private final JsonConverter keys = converter(true);
    private final JsonConverter values = converter(false);
    private KafkaStreams enricher;

    EnricherColdStartIT(KafkaBroker kafka) {
        this.kafka = kafka;
    }

    @AfterEach
    void closeEnricher() {
        if (enricher != null) {
            enricher.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void everyOrderIsEnrichedWhenItsCustomerWasWrittenAfterIt(@TempDir Path stateDir) throws Exception {
        kafka.createTopic(ORDERS, 2);
        kafka.createTopic(CUSTOMERS, 2);
        kafka.createTopic(OUTPUT, 2);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int id = 1; id <= ORDER_COUNT; id++) {
                send(producer, ORDERS, id, ORDER, new Struct(ORDER).put("id", id).put("customer_id", customerOf(id)));
            }
            producer.flush();
            // Later in wall-clock time, so the customer rows' timestamps are later than every order's.
            Thread.sleep(50);
            for (int id = 1; id <= CUSTOMER_COUNT; id++) {
                send(producer, CUSTOMERS, id, CUSTOMER, new Struct(CUSTOMER).put("id", id).put("name", "c" + id));
            }
            producer.flush();
        }

        enricher = EnricherApp.create(new EnricherConfig(Map.of(
                "application.id", "coldstart-it-enricher",
                "bootstrap.servers", kafka.bootstrapServers(),
                "input.topic", ORDERS,
                "lookup.topic", CUSTOMERS,
                "output.topic", OUTPUT,
                "join.field", "customer_id",
                "lookup.fields", "name",
                "lookup.prefix", "customers_",
                "state.dir", stateDir.toString(),
                "commit.interval.ms", "100")));
        enricher.start();

        Map<Integer, String> enriched = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : readCommitted(OUTPUT, ORDER_COUNT)) {
            Struct value = (Struct) values.toConnectData(OUTPUT, record.value()).value();
            enriched.put((Integer) value.get("id"), value.get("customer_id") + ":" + value.get("customers_name"));
        }
        Map<Integer, String> expected = new TreeMap<>();
        for (int id = 1; id <= ORDER_COUNT; id++) {
            expected.put(id, customerOf(id) + ":c" + customerOf(id));
        }
        assertEquals(expected, enriched);
    }

    private static int customerOf(int orderId) {
        return orderId % CUSTOMER_COUNT + 1;
    }

    private void send(KafkaProducer<byte[], byte[]> producer, String topic, int id, Schema schema, Struct value) {
        producer.send(new ProducerRecord<>(topic, keys.fromConnectData(topic, ID_KEY, new Struct(ID_KEY).put("id", id)),
                values.fromConnectData(topic, schema, value)));
    }

    /** Reads the topic from the start until it holds {@code expected} records, or the deadline passes. */
    private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "coldstart-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && records.size() < expected) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }
}
