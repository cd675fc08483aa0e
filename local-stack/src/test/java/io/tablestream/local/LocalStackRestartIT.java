package io.tablestream.local;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ./tablestream-local --demo} twice on the same data directory: the second start finds the broker's topics
 * with the first run's records, and Connect's internal topics with the two connectors (the demo's POSTs answer 409
 * and are kept), the source's offsets and (in PostgreSQL) its replication slot, so the CDC source resumes where it
 * stopped: no change of the first run is read again. A connector of the user's that fails after the restart (its
 * connection.url names the first start's PostgreSQL port) does not stop the demo. Each stop leaves no process or
 * port behind.
 */
class LocalStackRestartIT {

    private static final String ORDERS_TOPIC = "orders";
    private static final Duration READ = Duration.ofSeconds(90);

    @Test
    void topicsConnectorsAndSourceOffsetsSurviveARestart(@TempDir Path dataDir) throws Exception {
        int restPort = LocalStackProcess.freePort();
        List<String> firstRun;
        try (LocalStackProcess first = LocalStackProcess.start(dataDir, restPort, "--demo", "--rate", "20")) {
            first.awaitStarted(true);
            // A connector of the user's naming this start's PostgreSQL port: it fails after the restart, the demo not
            String url = first.find(LocalStackProcess.POSTGRES).group(1);
            Matcher firstRest = first.find(LocalStackProcess.REST);
            post(firstRest.group(1) + ":" + firstRest.group(2) + "/connectors", """
                    {"name": "users-own-sink", "config": {"connector.class": "io.tablestream.sink.PostgresSinkConnector",
                     "topics": "users_own", "connection.url": "%s", "connection.user": "${env:TABLESTREAM_PG_USER}",
                     "connection.password": "${env:TABLESTREAM_PG_PASSWORD}", "auto.create": "true"}}""".formatted(url));
            firstRun = readOrders(first.kafkaBootstrapServers(), 10);
            first.stopAndAssertNothingLeft();
        }

        try (LocalStackProcess second = LocalStackProcess.start(dataDir, restPort, "--demo", "--rate", "20")) {
            second.awaitStarted(true);
            for (String file : Demo.connectorFiles(LocalStackOptions.DemoSource.CDC)) {
                assertTrue(second.output().contains("Already deployed: " + file + " (kept its current config)"),
                        "the connector of " + file + " must have survived the restart:\n" + second.tail());
            }
            assertTrue(second.output().stream().anyMatch(l -> l.startsWith("Connectors deployed earlier are still"
                    + " deployed: users-own-sink ") && l.contains("${env:TABLESTREAM_DB_URL}")), second.tail());
            Matcher rest = second.find(LocalStackProcess.REST);
            for (String file : Demo.connectorFiles(LocalStackOptions.DemoSource.CDC)) {
                String name = Demo.connectorName(Path.of(System.getProperty("tablestream.repo.root"), "config", file));
                String status = get(rest.group(1) + ":" + rest.group(2) + "/connectors/" + name + "/status");
                assertFalse(status.contains("FAILED"), status);
            }

            List<String> records = readOrders(second.kafkaBootstrapServers(), firstRun.size() + 20);
            assertEquals(firstRun, records.subList(0, firstRun.size()), "the first run's records in topic " + ORDERS_TOPIC);
            Set<String> distinct = new HashSet<>(records);
            // The demo's CDC source writes one record per change, headed with its transaction's commit LSN: key and
            // LSN name a change (deletes have no value to tell them apart), so a repeat means a change read twice.
            assertEquals(records.size(), distinct.size(), "the source must resume from its stored offset, "
                    + "not read the first run's changes again: " + duplicates(records));
            second.stopAndAssertNothingLeft();
        }
    }

    /**
     * The records in partition 0 of the orders topic from its start, once there are at least {@code atLeast}, each
     * as its key, its {@code lsn} header and its value.
     */
    private static List<String> readOrders(String bootstrapServers, int atLeast) throws InterruptedException {
        TopicPartition partition = new TopicPartition(ORDERS_TOPIC, 0);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrapServers, "enable.auto.commit", "false"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + READ.toNanos();
            while (values.size() < atLeast) {
                if (System.nanoTime() > deadline) {
                    fail("only " + values.size() + " records in " + ORDERS_TOPIC + " after " + READ + ", wanted " + atLeast);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    assertEquals(values.size(), record.offset(), "records must start at offset 0 and have no gap");
                    Header lsn = record.headers().lastHeader("lsn");
                    assertNotNull(lsn, "a CDC record without an lsn header at offset " + record.offset());
                    values.add(record.key() + " lsn=" + new String(lsn.value(), StandardCharsets.UTF_8) + " " + record.value());
                }
            }
        }
        return values;
    }

    private static List<String> duplicates(List<String> values) {
        Set<String> seen = new HashSet<>();
        return values.stream().filter(v -> !seen.add(v)).limit(3).toList();
    }

    private static void post(String url, String json) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, response.statusCode(), response.body());
    }

    private static String get(String url) throws Exception {
        return new String(URI.create(url).toURL().openStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
