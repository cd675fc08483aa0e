package io.tablestream.testkit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A single-node KRaft broker (one process with {@code process.roles=broker,controller}) in this JVM whose files
 * live under a directory that is kept: Kafka's own {@link KafkaRaftServer}, the class {@code kafka-server-start.sh}
 * runs. The storage is formatted once, with a cluster id written to {@code cluster.id} next to it; later starts
 * reuse both, so topics, their records, consumer offsets and Connect's internal topics survive a restart. Unlike
 * {@link KafkaBroker} (Kafka's test kit, which wipes its directory), this is what the local stack runs. The ports are
 * chosen once: {@link #restart()} (or {@link #shutdown()} then {@link #startup()}) brings the broker back on the same
 * ports and data, as a restarted server comes back for its clients (fault tests).
 */
public final class PersistentKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PersistentKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path directory;
    private final Path logDir;
    private final Map<String, String> serverConfig;
    private final String bootstrapServers;
    private final Admin admin;
    private KafkaRaftServer server; // null while shut down

    private PersistentKafkaBroker(Path directory, Path logDir, Map<String, String> serverConfig, String bootstrapServers) {
        this.directory = directory;
        this.logDir = logDir;
        this.serverConfig = serverConfig;
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers));
    }

    /** Formats {@code directory} on the first start, then starts the broker on it (any free ports). */
    public static PersistentKafkaBroker start(Path directory) {
        ExitGuard.install();
        Path logDir = directory.resolve("logs");
        int brokerPort = freePort();
        int controllerPort = freePort();
        PersistentKafkaBroker broker = new PersistentKafkaBroker(directory, logDir,
                serverConfig(logDir, brokerPort, controllerPort), "localhost:" + brokerPort);
        try {
            broker.startup();
        } catch (RuntimeException e) {
            broker.admin.close();
            throw e;
        }
        return broker;
    }

    /** Starts the broker again after {@link #shutdown()}, on the same ports and data. */
    public synchronized void startup() {
        if (server != null) {
            throw new IllegalStateException(this + " is running");
        }
        long t0 = System.nanoTime();
        KafkaConfig config = new KafkaConfig(serverConfig, false);
        String clusterId = formatOnce(directory, logDir);
        KafkaRaftServer started = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            started.startup(); // returns once the broker is unfenced, i.e. serves clients
        } catch (RuntimeException e) {
            started.shutdown();
            started.awaitShutdown();
            throw new IllegalStateException("Could not start the Kafka broker on " + logDir + ": " + e.getMessage()
                    + " (another stack using this data directory? delete " + directory + " to start afresh)", e);
        }
        server = started;
        log.info("Kafka broker (KRaft, cluster {}) started at {} on {} in {} ms", clusterId, bootstrapServers,
                logDir, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Controlled shutdown, keeping the data and the ports for {@link #startup()}; clients see a broker outage. */
    public synchronized void shutdown() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** {@link #shutdown()} then {@link #startup()}: same ports, same data. */
    public void restart() {
        shutdown();
        startup();
    }

    private static Map<String, String> serverConfig(Path logDir, int brokerPort, int controllerPort) {
        Map<String, String> c = new LinkedHashMap<>(KafkaBroker.DEFAULT_CONFIG);
        c.put("process.roles", "broker,controller");
        c.put("node.id", Integer.toString(NODE_ID));
        // A static voter set: the controller's address comes from this config at every start, so the ports may
        // change between runs of the local stack (a dynamic quorum would record them in the metadata log).
        c.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        c.put("listeners", "PLAINTEXT://localhost:" + brokerPort + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        c.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
        c.put("controller.listener.names", CONTROLLER_LISTENER);
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("log.dirs", logDir.toString());
        return c;
    }

    /**
     * What {@code kafka-storage.sh format --ignore-formatted} does, through the same {@link Formatter}: writes
     * {@code meta.properties} and the bootstrap metadata (latest production metadata.version and features) the
     * first time; the cluster id is kept in {@code cluster.id} so it stays fixed for this directory.
     */
    private static String formatOnce(Path directory, Path logDir) {
        Path clusterIdFile = directory.resolve("cluster.id");
        try {
            Files.createDirectories(logDir);
            if (!Files.exists(clusterIdFile)) {
                Files.writeString(clusterIdFile, Uuid.randomUuid().toString(), StandardCharsets.UTF_8);
            }
            String clusterId = Files.readString(clusterIdFile, StandardCharsets.UTF_8).trim();
            if (Files.exists(logDir.resolve("meta.properties"))) {
                return clusterId;
            }
            new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream(), true, StandardCharsets.UTF_8))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setUnstableFeatureVersionsEnabled(false)
                    .setIgnoreFormatted(true)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(logDir.toString()) // metadata.log.dir unset: the (only) log dir
                    .setDirectories(List.of(logDir.toString()))
                    .run();
            log.info("Formatted the Kafka storage in {} (cluster {})", logDir, clusterId);
            return clusterId;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the Kafka storage in " + logDir, e);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format the Kafka storage in " + logDir + ": " + e.getMessage(), e);
        }
    }

    /** {@code host:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Set<String> topics() {
        try {
            return Set.copyOf(admin.listTopics().names().get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not list topics: " + e, e);
        }
    }

    /** Replication factor 1; waits until the controller has created it. */
    public void createTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not create topic " + name + ": " + e, e);
        }
    }

    /** Controlled shutdown: logs are flushed and closed cleanly, so the next start needs no recovery. */
    @Override
    public void close() {
        admin.close();
        shutdown();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port for the Kafka broker", e);
        }
    }

    @Override
    public String toString() {
        return "PersistentKafkaBroker[" + bootstrapServers + "]";
    }
}
