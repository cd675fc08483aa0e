package io.tablestream.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A single-node KRaft Kafka cluster (one combined broker+controller) in this JVM, built on Kafka's own
 * {@link KafkaClusterTestKit}. It runs the latest <em>production</em> metadata.version and feature levels,
 * with unstable APIs off, i.e. what a real 4.3 broker offers.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

    /** Broker settings applied by {@link #start()}; {@link #start(Map)} overrides win. */
    public static final Map<String, String> DEFAULT_CONFIG = defaultConfig();

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private volatile Admin admin;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    public static KafkaBroker start() {
        return start(Map.of());
    }

    public static KafkaBroker start(Map<String, String> overrides) {
        return start(overrides, null);
    }

    /**
     * As {@link #start(Map)}, with the broker's log and metadata directories under {@code baseDirectory} (deleted on
     * {@link #close()}) instead of a temporary directory that a JVM shutdown hook deletes: a program that stops the
     * broker from its own shutdown hook needs this, or the files vanish under the stopping broker.
     */
    public static KafkaBroker start(Map<String, String> overrides, Path baseDirectory) {
        ExitGuard.install();
        long t0 = System.nanoTime();
        MetadataVersion mv = MetadataVersion.latestProduction();
        Map<String, Short> features = new TreeMap<>();
        for (Feature feature : Feature.PRODUCTION_FEATURES) {
            features.put(feature.featureName(), feature.defaultLevel(mv));
        }
        TestKitNodes.Builder nodesBuilder = new TestKitNodes.Builder(BootstrapMetadata.fromVersions(mv, features, "tablestream-testkit"));
        if (baseDirectory != null) {
            nodesBuilder.setBaseDirectory(baseDirectory);
        }
        TestKitNodes nodes = nodesBuilder
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        Map<String, String> config = new LinkedHashMap<>(DEFAULT_CONFIG);
        config.putAll(overrides);
        config.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = null;
        try {
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            KafkaBroker broker = new KafkaBroker(cluster);
            log.info("Kafka broker (KRaft, metadata.version {}) started at {} in {} ms",
                    mv, broker.bootstrapServers, (System.nanoTime() - t0) / 1_000_000);
            return broker;
        } catch (Exception e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not start the Kafka broker: " + e, e);
        }
    }

    private static Map<String, String> defaultConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("auto.create.topics.enable", "true");
        c.put("num.partitions", "1");
        c.put("default.replication.factor", "1");
        c.put("min.insync.replicas", "1");
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "5");
        // Without these, exactly-once Kafka Streams never leaves REBALANCING (the transaction log cannot be created).
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("transaction.state.log.num.partitions", "5");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("group.initial.rebalance.delay.ms", "0");
        // KafkaClusterTestKit turns these on by default; a real broker has them off.
        c.put("unstable.api.versions.enable", "false");
        c.put("unstable.feature.versions.enable", "false");
        return Map.copyOf(c);
    }

    /** {@code host:port} of the broker's PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** A shared admin client, closed with the broker. Do not close it. */
    public Admin admin() {
        Admin a = admin;
        if (a == null) {
            synchronized (this) {
                a = admin;
                if (a == null) {
                    a = Admin.create(Map.of("bootstrap.servers", bootstrapServers));
                    admin = a;
                }
            }
        }
        return a;
    }

    /** Creates a topic with replication factor 1 and waits until the controller has created it. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(topicConfig);
        try {
            admin().createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topic " + name + ": " + e.getCause(), e.getCause());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not create topic " + name + ": " + e, e);
        }
    }

    public void deleteTopics(String... names) {
        try {
            admin().deleteTopics(List.of(names)).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not delete topics " + List.of(names) + ": " + e, e);
        }
    }

    public Set<String> topics() {
        try {
            return Set.copyOf(admin().listTopics().names().get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not list topics: " + e, e);
        }
    }

    /** The underlying Kafka test kit, for anything this class does not cover. */
    public KafkaClusterTestKit cluster() {
        return cluster;
    }

    @Override
    public void close() {
        Admin a = admin;
        if (a != null) {
            a.close();
        }
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Error stopping the Kafka broker", e);
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers + "]";
    }
}
