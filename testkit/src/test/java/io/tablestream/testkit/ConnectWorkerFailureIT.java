package io.tablestream.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker whose herder dies during startup (its config topic exists with 2 partitions, which Connect refuses;
 * DistributedHerder then calls Exit.exit(1)) fails ConnectWorker.start with an exception instead of ending the
 * test JVM.
 */
@ExtendWith(TablestreamStack.class)
class ConnectWorkerFailureIT {

    @Test
    void herderDeathDoesNotKillTheJvm(KafkaBroker kafka, ConnectRestClient sharedWorker) {
        kafka.createTopic("failing-worker-configs", 2, Map.of("cleanup.policy", "compact"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ConnectWorker.start(kafka.bootstrapServers(), Map.of("group.id", "failing-worker")));
        assertTrue(e.getMessage().contains("herder thread died"), e.getMessage());
        // still alive, and the shared worker is unaffected
        assertTrue(sharedWorker.connectors() != null);
    }
}
