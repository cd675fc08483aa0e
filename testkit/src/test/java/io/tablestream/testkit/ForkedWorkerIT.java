package io.tablestream.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A worker in a child JVM can be SIGKILLed, and a new worker of the same group picks up configs and offsets. */
@ExtendWith(TablestreamStack.class)
class ForkedWorkerIT {

    @Test
    void killedWorkerIsReplacedBySameGroup(KafkaBroker kafka) {
        // The replacement worker can only join once the killed one's session has expired: use the broker's
        // minimum session timeout (group.min.session.timeout.ms = 6 s) instead of Connect's default 10 s.
        Map<String, String> group = Map.of("group.id", "forked-it", "session.timeout.ms", "6000", "heartbeat.interval.ms", "1000");
        ConnectWorker first = ConnectWorker.startForked(kafka.bootstrapServers(), group);
        try {
            assertTrue(first.isForked());
            first.rest().createOrUpdateConnector("forked-counter", Map.of(
                    "connector.class", "CounterSourceConnector", "topic", "forked-counter", "count", "5"));
            first.rest().awaitRunning("forked-counter", Duration.ofSeconds(60));
            assertEquals(5, TopicReader.records(kafka.bootstrapServers(), "forked-counter", 5, Duration.ofSeconds(60)).size());
            awaitCommittedOffset(first.rest(), 5); // committed every offset.flush.interval.ms (1 s)
        } finally {
            first.kill();
        }
        assertThrows404OrDown(first);

        ConnectWorker second = ConnectWorker.start(kafka.bootstrapServers(), group);
        try {
            assertTrue(second.rest().connectors().contains("forked-counter"));
            second.rest().awaitRunning("forked-counter", Duration.ofSeconds(60));
            Map<String, Object> offsets = second.rest().offsets("forked-counter");
            List<?> list = (List<?>) offsets.get("offsets");
            assertEquals(Map.of("next", 5), ((Map<?, ?>) list.get(0)).get("offset"), offsets.toString());
            // resumed from the committed offset: still exactly 5 records
            sleepQuietly(1_000);
            assertEquals(5, TopicReader.records(kafka.bootstrapServers(), "forked-counter", 6, Duration.ofSeconds(3)).size());
            second.rest().deleteConnector("forked-counter");
        } finally {
            second.stop();
        }
    }

    /** A worker that outlives its stop timeout is killed, its threads dumped first: they show what held it. */
    @Test
    void aWorkerThatDoesNotStopInTimeHasItsThreadsDumpedBeforeTheKill(KafkaBroker kafka) throws IOException {
        ConnectWorker worker = ConnectWorker.startForked(kafka.bootstrapServers(), Map.of("group.id", "forked-dump-it"));
        // No JVM shuts its Connect worker down within a millisecond of SIGTERM.
        assertFalse(worker.stop(Duration.ofMillis(1)));
        assertFalse(worker.pid().isPresent() && ProcessHandle.of(worker.pid().getAsLong()).map(ProcessHandle::isAlive)
                .orElse(false), "the worker is killed");
        try (Stream<Path> files = Files.list(worker.logFile().getParent())) {
            assertTrue(files.anyMatch(ForkedWorkerIT::holdsAThreadDump),
                    "a thread dump beside " + worker.logFile());
        }
    }

    private static boolean holdsAThreadDump(Path file) {
        try {
            return Files.readString(file).contains("Full thread dump");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitCommittedOffset(ConnectRestClient rest, int next) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            List<?> offsets = (List<?>) rest.offsets("forked-counter").get("offsets");
            last = offsets;
            if (!offsets.isEmpty() && Map.of("next", next).equals(((Map<?, ?>) offsets.get(0)).get("offset"))) {
                return;
            }
            sleepQuietly(200);
        }
        throw new AssertionError("offset next=" + next + " not committed; last: " + last);
    }

    private static void assertThrows404OrDown(ConnectWorker killed) {
        try {
            killed.rest().connectors();
            throw new AssertionError("killed worker still answers");
        } catch (java.io.UncheckedIOException expected) {
            assertFalse(expected.getMessage().isEmpty());
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
