package io.tablestream.e2e.enricher;

import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A cold start over topics that already hold everything, the lookup rows written after the stream records that
 * point to them (so their timestamps are later too, as when a table is snapshotted after another): an inner join
 * in {@code stream} semantics still enriches every order.
 */
@ExtendWith(TablestreamStack.class)
class EnricherColdStartIT {

    private static final int ORDER_COUNT = 300;
    private static final int CUSTOMER_COUNT = 20;

    private final KafkaBroker kafka;
    private final EnricherFixture fixture;

    EnricherColdStartIT(KafkaBroker kafka) {
        this.kafka = kafka;
        this.fixture = new EnricherFixture(kafka, "coldstart_", Duration.ofSeconds(90));
    }

    @AfterEach
    void stopEnricher() {
        fixture.close();
    }

    @Test
    void everyOrderIsEnrichedWhenItsCustomerWasWrittenAfterIt(@TempDir Path stateDir) throws Exception {
        fixture.createTopics(2);
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.sendOrders(producer, 1, ORDER_COUNT, CUSTOMER_COUNT);
            producer.flush();
            // Later in wall-clock time, so the customer rows' timestamps are later than every order's.
            Thread.sleep(50);
            fixture.sendCustomers(producer, CUSTOMER_COUNT);
            producer.flush();
        }

        fixture.start(EnricherFixture.with(fixture.enrichingConfig("coldstart-it-enricher"), "state.dir",
                stateDir.toString()));

        Map<Integer, String> enriched = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : fixture.readCommitted(fixture.output, ORDER_COUNT)) {
            Struct value = fixture.valueOf(record);
            enriched.put((Integer) value.get("id"), EnricherFixture.enrichment(value));
        }
        assertEquals(EnricherFixture.expectedEnrichments(ORDER_COUNT, CUSTOMER_COUNT), enriched);
    }

    /**
     * Customer rows read after rows hours newer than them (at a first start, the lookup topic's partitions are read
     * at their own pace): Kafka's versioned store skips a write older than its history retention behind the newest
     * one it has taken, so these customers, and the orders waiting for them, must reach it at a later time.
     */
    @Test
    void customersReadAfterRowsHoursNewerThanThemStillJoin(@TempDir Path stateDir) throws Exception {
        try (EnricherFixture fixture = new EnricherFixture(kafka, "coldstart_old_rows_", Duration.ofSeconds(90))) {
            customersReadAfterRowsHoursNewerThanThemStillJoin(fixture, stateDir);
        }
    }

    private void customersReadAfterRowsHoursNewerThanThemStillJoin(EnricherFixture fixture, Path stateDir)
            throws Exception {
        fixture.createTopics(2);
        int recent = CUSTOMER_COUNT / 2;
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.sendCustomers(producer, 1, recent, System.currentTimeMillis());
            fixture.sendOrders(producer, 1, ORDER_COUNT, CUSTOMER_COUNT);
            producer.flush();
        }
        fixture.start(EnricherFixture.with(fixture.enrichingConfig("coldstart-old-rows-it-enricher"), "state.dir",
                stateDir.toString()));
        int ordersOfRecentCustomers = (int) EnricherFixture.expectedEnrichments(ORDER_COUNT, CUSTOMER_COUNT)
                .values().stream().filter(e -> Integer.parseInt(e.substring(0, e.indexOf(':'))) <= recent).count();
        assertEquals(ordersOfRecentCustomers, fixture.readCommitted(fixture.output, ordersOfRecentCustomers).size());

        // The other customers, unchanged for three hours (history.retention.ms is one hour by default).
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.sendCustomers(producer, recent + 1, CUSTOMER_COUNT, System.currentTimeMillis() - 3 * 3_600_000L);
            producer.flush();
        }

        Map<Integer, String> enriched = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : fixture.readCommitted(fixture.output, ORDER_COUNT)) {
            Struct value = fixture.valueOf(record);
            enriched.put((Integer) value.get("id"), EnricherFixture.enrichment(value));
        }
        assertEquals(EnricherFixture.expectedEnrichments(ORDER_COUNT, CUSTOMER_COUNT), enriched);
    }
}
