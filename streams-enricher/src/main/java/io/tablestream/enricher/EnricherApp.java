package io.tablestream.enricher;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Runs the enricher: {@code java -jar streams-enricher-*-app.jar [--describe[=mermaid]] enricher.properties}.
 */
public final class EnricherApp {

    private static final Logger log = LoggerFactory.getLogger(EnricherApp.class);
    private static final String USAGE = "Usage: java -jar streams-enricher-<version>-app.jar [--describe"
            + "[=mermaid]] <enricher.properties>\n"
            + "  The properties file needs at least bootstrap.servers, input.topic, output.topic and one lookup"
            + " (lookup.topic + join.field, or lookups=a,b with lookup.a.topic, lookup.a.join.field, ...).\n"
            + "  Environment variables TABLESTREAM_ENRICHER_<KEY> override the file (input.topic ="
            + " TABLESTREAM_ENRICHER_INPUT_TOPIC).\n"
            + "  --describe prints the topology and exits; --describe=mermaid prints it as a Mermaid flowchart.";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private EnricherApp() {
    }

    public static void main(String[] args) {
        String describe = null;
        String file = null;
        for (String arg : args) {
            if (arg.equals("--describe") || arg.startsWith("--describe=")) {
                describe = arg.equals("--describe") ? "text" : arg.substring("--describe=".length());
            } else if (file == null && !arg.startsWith("--")) {
                file = arg;
            } else {
                exitWithUsage("unexpected argument '" + arg + "'");
            }
        }
        if (file == null || (describe != null && !describe.equals("text") && !describe.equals("mermaid"))) {
            exitWithUsage(file == null ? "no properties file given" : "--describe takes 'mermaid' or nothing");
        }
        EnricherConfig config;
        try {
            Map<Object, Object> props = new HashMap<>(load(Path.of(file)));
            props.putAll(EnricherConfig.environmentOverrides(System.getenv()));
            config = new EnricherConfig(props);
        } catch (IOException | ConfigException e) {
            exitWithUsage(e.getMessage());
            return;
        }
        if (describe != null) {
            System.out.print(describe(config, describe.equals("mermaid")));
            return;
        }
        log.info("Effective configuration: {}", masked(effectiveConfig(config)));
        awaitInputTopics(config);
        CountDownLatch failed = new CountDownLatch(1);
        StreamThreadFailureHandler failures = new StreamThreadFailureHandler(new BadRecords(),
                System::currentTimeMillis);
        KafkaStreams streams = create(config, failures, failed::countDown);
        HealthServer health = startHealthServer(config, streams);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(CLOSE_TIMEOUT);
            if (health != null) {
                health.close();
            }
        }, "enricher-shutdown"));
        streams.start();
        awaitUninterruptibly(failed);
        // A supervisor (systemd, Kubernetes) sees the exit status; the shutdown hook closes Streams.
        System.err.println(failures.stopReason() != null ? failures.stopReason()
                : "Stopping the enricher: Kafka Streams is in state ERROR; see the errors logged before");
        System.exit(1);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // main has nothing else to do: keep waiting
            }
        }
    }

    private static void exitWithUsage(String problem) {
        System.err.println("Cannot start the enricher: " + problem + "\n" + USAGE);
        System.exit(2);
    }

    /** The topology as Kafka Streams describes it, or as a Mermaid flowchart. */
    static String describe(EnricherConfig config, boolean mermaid) {
        TopologyDescription description = EnricherTopology.build(config).describe();
        return mermaid ? TopologyMermaid.render(description) : description.toString();
    }

    /** Starts the /health and /metrics endpoint unless http.port is -1; null when off. */
    static HealthServer startHealthServer(EnricherConfig config, KafkaStreams streams) {
        if (config.httpPort() < 0) {
            return null;
        }
        try {
            HealthServer server = HealthServer.start(config.httpPort(), streams);
            log.info("Serving /health and /metrics on port {}", server.port());
            return server;
        } catch (IOException e) {
            throw new ConfigException(EnricherConfig.HTTP_PORT_CONFIG, config.httpPort(),
                    "cannot listen on it: " + e.getMessage() + ". Choose a free port, or -1 to turn it off");
        }
    }

    /** A configured, not yet started KafkaStreams; the caller starts and closes it. */
    public static KafkaStreams create(EnricherConfig config) {
        return create(config, new StreamThreadFailureHandler(new BadRecords(), System::currentTimeMillis), () -> {
        });
    }

    /**
     * A configured, not yet started KafkaStreams whose dying stream threads {@code failures} handles;
     * {@code onError} runs when Streams reaches state ERROR (stopped by a failure, see
     * {@link StreamThreadFailureHandler}).
     */
    static KafkaStreams create(EnricherConfig config, StreamThreadFailureHandler failures, Runnable onError) {
        Topology topology = EnricherTopology.build(config);
        log.info("Topology:\n{}", topology.describe());
        Properties props = config.streamsProperties();
        props.put(BadRecords.INSTANCE_CONFIG, failures.badRecords());
        KafkaStreams streams = new KafkaStreams(topology, props);
        streams.setUncaughtExceptionHandler(failures);
        // Kafka's own logs are at WARN; state changes are how an operator sees the app become RUNNING.
        streams.setStateListener((newState, oldState) -> {
            log.info("Enricher state {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.ERROR) {
                onError.run();
            }
        });
        return streams;
    }

    /**
     * Kafka Streams fails its assignment while an input topic is missing and only retries after a metadata refresh
     * (minutes). Source connectors create their topics with the first row, so wait for them here instead.
     */
    static void awaitInputTopics(EnricherConfig config) {
        Set<String> wanted = topicKeys(config).keySet();
        Map<String, Object> adminConfig = new StreamsConfig(config.streamsProperties()).getAdminConfigs("enricher-startup");
        try (Admin admin = Admin.create(adminConfig)) {
            long lastLog = 0;
            while (true) {
                Set<String> missing = new TreeSet<>(wanted);
                missing.removeAll(admin.listTopics().names().get(30, TimeUnit.SECONDS));
                if (missing.isEmpty()) {
                    return;
                }
                if (System.currentTimeMillis() - lastLog > 10_000) {
                    log.info(missingTopics(config, missing));
                    lastLog = System.currentTimeMillis();
                }
                Thread.sleep(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the input topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot list topics at bootstrap.servers="
                    + config.streamsProperties().get("bootstrap.servers") + ": " + e.getMessage(), e);
        }
    }

    /** What the app waits for, naming each missing topic's key, so a misspelt name shows what to fix. */
    static String missingTopics(EnricherConfig config, Set<String> missing) {
        Map<String, String> keys = topicKeys(config);
        return "Waiting for topics to exist: " + String.join(", ", missing.stream()
                .map(topic -> "'" + topic + "' (" + keys.get(topic) + ")").toList())
                + ". A source connector creates its topic with its first row; if a name is wrong, fix the key named";
    }

    /** Each topic the app reads, with the key (or keys) that name it. */
    private static Map<String, String> topicKeys(EnricherConfig config) {
        Map<String, String> keys = new TreeMap<>();
        keys.put(config.inputTopic(), EnricherConfig.INPUT_TOPIC_CONFIG);
        for (LookupSpec lookup : config.lookups()) {
            keys.merge(lookup.topic(), lookup.configKey("topic"), (a, b) -> a + ", " + b);
        }
        return keys;
    }

    static Properties load(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        return props;
    }

    /** Every key the enricher uses, defaults included, plus the settings handed to Kafka Streams. */
    private static Map<String, Object> effectiveConfig(EnricherConfig config) {
        Map<String, Object> effective = new TreeMap<>();
        config.values().forEach((key, value) -> {
            if (value != null) {
                effective.put(key, value instanceof Class<?> type ? type.getName() : value);
            }
        });
        config.streamsProperties().forEach((key, value) -> effective.put(key.toString(), value));
        config.lookups().forEach(lookup -> effective.put("lookup[" + lookup.name() + "]", lookup));
        return effective;
    }

    /** Hides secrets; sasl.jaas.config is masked too because it embeds the password in its value. */
    static Map<String, Object> masked(Map<String, Object> config) {
        Map<String, Object> masked = new TreeMap<>(config);
        masked.replaceAll((key, value) -> {
            String lower = key.toLowerCase(Locale.ROOT);
            return lower.contains("password") || lower.contains("sasl.jaas.config") ? "[hidden]" : value;
        });
        return masked;
    }
}
