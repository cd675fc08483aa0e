package io.tablestream.e2e.enricher;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code table} semantics through a real broker with exactly-once: the output, read as a table (the latest record
 * of each key), is every order joined with its customer's current row, including orders read before their
 * customer, after a rename and after a customer's delete.
 */
@ExtendWith(TablestreamStack.class)
class EnricherTableSemanticsIT {

    private static final int ORDER_COUNT = 300;
    private static final int CUSTOMER_COUNT = 20;

    private final KafkaBroker kafka;
    private final EnricherFixture fixture;
    private KafkaStreams enricher;

    EnricherTableSemanticsIT(KafkaBroker kafka) {
        this.kafka = kafka;
        this.fixture = new EnricherFixture(kafka, "tablesem_", Duration.ofSeconds(90));
    }

    @AfterEach
    void closeEnricher() {
        if (enricher != null) {
            enricher.close(Duration.ofSeconds(30));
        }
    }

    @Test
    void theOutputIsEveryOrderWithItsCustomersCurrentRow(@TempDir Path stateDir) throws Exception {
        kafka.createTopic(fixture.orders, 2);
        kafka.createTopic(fixture.customers, 2);
        kafka.createTopic(fixture.output, 2);
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.sendOrders(producer, 1, ORDER_COUNT, CUSTOMER_COUNT);
            fixture.sendCustomers(producer, CUSTOMER_COUNT);
            producer.flush();
        }
        Map<String, String> config = EnricherFixture.with(fixture.enrichingConfig("table-semantics-it-enricher"),
                "state.dir", stateDir.toString());
        config.put("lookup.semantics", "table");
        enricher = EnricherApp.create(new EnricherConfig(config));
        enricher.start();
        Map<Integer, String> expected = EnricherFixture.expectedEnrichments(ORDER_COUNT, CUSTOMER_COUNT);
        assertEquals(expected, latestEnrichments(expected));

        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.send(producer, fixture.customers, 1, EnricherFixture.CUSTOMER,
                    new Struct(EnricherFixture.CUSTOMER).put("id", 1).put("name", "renamed"));
            producer.send(new ProducerRecord<>(fixture.customers, fixture.key(fixture.customers, 2), null));
            producer.flush();
        }
        for (int id = 1; id <= ORDER_COUNT; id++) {
            int customer = EnricherFixture.customerOf(id, CUSTOMER_COUNT);
            if (customer == 1) {
                expected.put(id, "1:renamed");
            } else if (customer == 2) {
                expected.remove(id);
            }
        }
        assertEquals(expected, latestEnrichments(expected));
    }

    /** The latest value of each order in the output, tombstones removing it, once it equals {@code expected}. */
    private Map<Integer, String> latestEnrichments(Map<Integer, String> expected) {
        List<ConsumerRecord<byte[], byte[]>> records = fixture.readCommitted(fixture.output,
                read -> latest(read).equals(expected));
        return latest(records);
    }

    private Map<Integer, String> latest(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<Integer, String> latest = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            int id = fixture.idOf(record);
            if (record.value() == null) {
                latest.remove(id);
            } else {
                latest.put(id, EnricherFixture.enrichment(fixture.valueOf(record)));
            }
        }
        return latest;
    }
}
