package io.tablestream.e2e.enricher;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.testkit.KafkaBroker;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.connect.data.Struct;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two enricher instances share a 4-partition input; one runs in a child JVM ({@code java -cp <test classpath>
 * EnricherApp file}, as {@code java -jar ...-app.jar} runs it) and is SIGKILLed mid-stream: no clean close, its
 * transaction left open. The survivor takes its partitions once the session expires; a read_committed consumer
 * sees every order enriched exactly once, values compared.
 */
@ExtendWith(TablestreamStack.class)
class EnricherKillIT {

    private static final String APPLICATION_ID = "kill-it-enricher";
    private static final int ORDER_COUNT = 3_000;
    private static final int CUSTOMER_COUNT = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final KafkaBroker kafka;
    private final EnricherFixture fixture;
    private KafkaStreams survivor;
    private Process child;

    EnricherKillIT(KafkaBroker kafka) {
        this.kafka = kafka;
        this.fixture = new EnricherFixture(kafka, "kill_", TIMEOUT);
    }

    @AfterEach
    void stopInstances() {
        fixture.close();
    }

    @Test
    void aSigkilledInstanceLosesAndDuplicatesNothing(@TempDir Path dir) throws Exception {
        fixture.createTopics(4);
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer()) {
            fixture.sendCustomers(producer, CUSTOMER_COUNT);
            producer.flush();

            Map<String, String> config = config();
            child = fixture.startChild(EnricherFixture.with(config, "state.dir",
                    dir.resolve("child").toString()), dir.resolve("child.properties"), dir.resolve("child.log"));
            survivor = fixture.start(EnricherFixture.with(config, "state.dir",
                    dir.resolve("survivor").toString()));
            awaitGroup(2);
            assertTrue(child.isAlive(), "the child instance runs");
            // The customers are in the lookup table before the orders pointing to them arrive (see EnricherFailoverIT).
            assertEquals(CUSTOMER_COUNT, fixture.readCommitted(APPLICATION_ID + "-" + fixture.customers
                    + "-lookup-table-changelog", CUSTOMER_COUNT).size());

            fixture.sendOrders(producer, 1, ORDER_COUNT / 2, CUSTOMER_COUNT);
            producer.flush();
            assertTrue(fixture.readCommitted(fixture.output, ORDER_COUNT / 4).size() >= ORDER_COUNT / 4, "enriching");
            fixture.sendOrders(producer, ORDER_COUNT / 2 + 1, ORDER_COUNT * 3 / 4, CUSTOMER_COUNT);
            producer.flush();
            child.destroyForcibly(); // SIGKILL, while orders are in flight
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child died");
            fixture.sendOrders(producer, ORDER_COUNT * 3 / 4 + 1, ORDER_COUNT, CUSTOMER_COUNT);
            producer.flush();
        }

        List<ConsumerRecord<byte[], byte[]>> output = fixture.readCommitted(fixture.output, ORDER_COUNT);
        Map<Integer, String> enriched = new TreeMap<>();
        List<Integer> twice = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : output) {
            Struct value = fixture.valueOf(record);
            if (enriched.put((Integer) value.get("id"), EnricherFixture.enrichment(value)) != null) {
                twice.add((Integer) value.get("id"));
            }
        }
        Map<Integer, String> expected = EnricherFixture.expectedEnrichments(ORDER_COUNT, CUSTOMER_COUNT);
        Set<Integer> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(enriched.keySet());
        assertEquals(Set.of(), missing, "orders missing");
        assertEquals(List.of(), twice, "orders written twice");
        assertEquals(expected, enriched);
        assertEquals(ORDER_COUNT, output.size());
    }

    private Map<String, String> config() {
        Map<String, String> config = fixture.enrichingConfig(APPLICATION_ID);
        // the survivor takes over once the killed instance's session expires: the broker's minimum
        config.put("session.timeout.ms", "6000");
        config.put("heartbeat.interval.ms", "1000");
        config.put("http.port", "-1");
        return config;
    }

    /** Waits until the application's group is stable with {@code members} members, each owning partitions. */
    private void awaitGroup(int members) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                ConsumerGroupDescription group = kafka.admin().describeConsumerGroups(List.of(APPLICATION_ID))
                        .all().get(10, TimeUnit.SECONDS).get(APPLICATION_ID);
                List<MemberDescription> owning = group.members().stream()
                        .filter(m -> !m.assignment().topicPartitions().isEmpty()).toList();
                last = group.groupState() + " " + owning.size() + " members with partitions";
                if (owning.size() == members && "STABLE".equals(group.groupState().name())
                        && survivor.state() == KafkaStreams.State.RUNNING) {
                    return;
                }
            } catch (Exception e) {
                last = e.toString();
            }
            if (!child.isAlive()) {
                fail("the child enricher exited with " + child.exitValue());
            }
            Thread.sleep(200);
        }
        fail("group " + APPLICATION_ID + " not stable with " + members + " members within " + TIMEOUT + ": " + last);
    }
}
