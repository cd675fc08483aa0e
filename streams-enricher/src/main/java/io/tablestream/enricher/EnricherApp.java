package io.tablestream.enricher;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Runs the enricher: {@code java -jar streams-enricher-*-app.jar config/enricher.properties}. */
public final class EnricherApp {

    private static final Logger log = LoggerFactory.getLogger(EnricherApp.class);
    private static final String USAGE = "Usage: java -jar streams-enricher-<version>-app.jar <enricher.properties>\n"
            + "  The properties file needs at least bootstrap.servers, input.topic, lookup.topic, output.topic"
            + " and join.field.";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private EnricherApp() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println(USAGE);
            System.exit(2);
        }
        EnricherConfig config;
        try {
            config = new EnricherConfig(load(Path.of(args[0])));
        } catch (IOException | ConfigException e) {
            System.err.println("Cannot start the enricher: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        log.info("Effective configuration: {}", masked(effectiveConfig(config)));
        awaitInputTopics(config);
        KafkaStreams streams = create(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(CLOSE_TIMEOUT), "enricher-shutdown"));
        streams.start();
    }

    /** A configured, not yet started KafkaStreams; the caller starts and closes it. */
    public static KafkaStreams create(EnricherConfig config) {
        Topology topology = EnricherTopology.build(new StreamsBuilder(), config);
        log.info("Topology:\n{}", topology.describe());
        KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties());
        streams.setUncaughtExceptionHandler(error -> {
            log.error("A stream thread failed; replacing it", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        // Kafka's own logs are at WARN; state changes are how an operator sees the app become RUNNING.
        streams.setStateListener((newState, oldState) -> log.info("Enricher state {} -> {}", oldState, newState));
        return streams;
    }

    /**
     * Kafka Streams fails its assignment while an input topic is missing and only retries after a metadata refresh
     * (minutes). Source connectors create their topics with the first row, so wait for them here instead.
     */
    static void awaitInputTopics(EnricherConfig config) {
        Set<String> wanted = Set.of(config.inputTopic(), config.lookupTopic());
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
                    log.info("Waiting for topics {} to exist (a source connector creates them with its first row)", missing);
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

    static Properties load(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        return props;
    }

    private static Map<String, Object> effectiveConfig(EnricherConfig config) {
        Map<String, Object> effective = new TreeMap<>();
        config.streamsProperties().forEach((key, value) -> effective.put(key.toString(), value));
        effective.put(EnricherConfig.INPUT_TOPIC_CONFIG, config.inputTopic());
        effective.put(EnricherConfig.LOOKUP_TOPIC_CONFIG, config.lookupTopic());
        effective.put(EnricherConfig.OUTPUT_TOPIC_CONFIG, config.outputTopic());
        effective.put(EnricherConfig.JOIN_FIELD_CONFIG, config.joinField());
        effective.put(EnricherConfig.JOIN_TYPE_CONFIG, config.joinType().name().toLowerCase(Locale.ROOT));
        effective.put(EnricherConfig.LOOKUP_FIELDS_CONFIG, config.lookupFields());
        effective.put(EnricherConfig.LOOKUP_PREFIX_CONFIG, config.lookupPrefix());
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
