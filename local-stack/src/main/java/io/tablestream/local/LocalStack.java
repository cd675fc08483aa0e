package io.tablestream.local;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.PersistentKafkaBroker;
import io.tablestream.testkit.PostgresServer;

import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * PostgreSQL, a KRaft broker (files kept under the data directory), a Connect distributed worker (a child JVM loading the connectors from plugin.path
 * only) and the enricher, started in that order and stopped in the reverse order by {@link #close()}.
 */
public final class LocalStack implements AutoCloseable {

    /** The database the demo and the connector JSON in config/ use. */
    public static final String DATABASE = "shop";
    /** Environment of the worker, read by the connector JSON through Kafka's EnvVarConfigProvider. */
    public static final String DB_URL_ENV = "TABLESTREAM_DB_URL";

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration ENRICHER_STOP = Duration.ofSeconds(3);
    private static final Duration WORKER_STOP = Duration.ofSeconds(6);
    private static final Duration BROKER_STOP = Duration.ofSeconds(2);
    private static final Duration POSTGRES_STOP = Duration.ofSeconds(2);
    /** The most a stop of the whole stack takes: the sum of its parts' bounds. */
    static final Duration STOP_BOUND = ENRICHER_STOP.plus(WORKER_STOP).plus(BROKER_STOP).plus(POSTGRES_STOP).plusSeconds(2);

    private final LocalStackOptions options;
    private PostgresServer postgres;
    private PersistentKafkaBroker kafka;
    private ConnectWorker connect;
    private KafkaStreams enricher;
    private EnricherConfig enricherConfig;
    private String databaseUrl;
    private PsqlCommand psql;

    private LocalStack(LocalStackOptions options) {
        this.options = options;
    }

    /** Starts every part; if one fails, stops those already started and rethrows. */
    public static LocalStack start(LocalStackOptions options) {
        LocalStack stack = new LocalStack(options);
        try {
            stack.startParts();
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startParts() {
        requirePluginJars(options.pluginsDir());
        Map<String, String> workerConfig = load(options.configDir().resolve("connect-distributed.properties"));
        Map<String, String> enricherProperties = load(options.configDir().resolve("enricher.properties"));
        try {
            Files.createDirectories(options.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the data directory " + options.dataDir(), e);
        }

        String externalUrl = System.getenv(PostgresServer.URL_ENV);
        postgres = externalUrl != null && !externalUrl.isBlank()
                ? PostgresServer.start()
                : PostgresServer.startEmbedded(options.dataDir().resolve("postgres"));
        databaseUrl = createDatabaseIfAbsent(postgres, DATABASE);
        psql = PsqlCommand.of(postgres.hostAndPort(), postgres.user(), DATABASE);
        psql.write(options.dataDir());

        // Formatted on the first start, reused afterwards: topics, Connect's configs, offsets and status survive.
        kafka = PersistentKafkaBroker.start(options.dataDir().resolve("kafka"));

        workerConfig.put("bootstrap.servers", kafka.bootstrapServers());
        workerConfig.put("listeners", "http://localhost:" + restPort(options.restPort()));
        workerConfig.put("plugin.path", options.pluginsDir().toString());
        Map<String, String> workerEnv = Map.of(
                DB_URL_ENV, databaseUrl,
                PostgresServer.USER_ENV, postgres.user(),
                PostgresServer.PASSWORD_ENV, postgres.passwordOrEmpty());
        connect = ConnectWorker.startForked(kafka.bootstrapServers(), workerConfig,
                WorkerClasspath.of(System.getProperty("java.class.path")), workerEnv);

        enricherProperties.put(EnricherConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        enricherProperties.put("state.dir", options.dataDir().resolve("enricher-state").toString());
        Properties props = new Properties();
        props.putAll(enricherProperties);
        enricherConfig = new EnricherConfig(props);
        // Kafka Streams fails its assignment while an input topic is missing; the source creates them only
        // with its first row, so create all three up front.
        List<String> topics = new java.util.ArrayList<>(List.of(enricherConfig.inputTopic(), enricherConfig.outputTopic()));
        enricherConfig.lookups().forEach(lookup -> topics.add(lookup.topic()));
        for (String topic : topics) {
            if (!kafka.topics().contains(topic)) {
                kafka.createTopic(topic, 1);
            }
        }
        enricher = EnricherApp.create(enricherConfig);
        enricher.start();
    }

    /** Where each part listens, for the terminal. */
    public String describe() {
        String pg = postgres.isEmbedded()
                ? "embedded, data in " + options.dataDir().resolve("postgres")
                : "from " + PostgresServer.URL_ENV;
        return String.join("\n",
                "tablestream local stack is up:",
                "  PostgreSQL    " + databaseUrl + "  (user " + postgres.user() + ", " + pg + ")",
                "  Kafka broker  " + kafka.bootstrapServers() + "  (KRaft, single node, data in " + options.dataDir().resolve("kafka") + ")",
                "  Connect REST  " + connect.restUrl() + "  (plugin.path " + options.pluginsDir() + ", log " + connect.logFile() + ")",
                "  Enricher      " + enricherConfig.inputTopic() + " + "
                        + enricherConfig.lookups().stream().map(l -> l.topic()).collect(java.util.stream.Collectors.joining(" + ")) + " -> "
                        + enricherConfig.outputTopic() + "  (application.id " + enricherProperty("application.id") + ")",
                "  Logs          " + options.dataDir().resolve("local-stack.log"));
    }

    private Object enricherProperty(String key) {
        return enricherConfig.streamsProperties().get(key);
    }

    public PostgresServer postgres() {
        return postgres;
    }

    PersistentKafkaBroker kafka() {
        return kafka;
    }

    public ConnectWorker connect() {
        return connect;
    }

    public EnricherConfig enricherConfig() {
        return enricherConfig;
    }

    /** psql on the {@value #DATABASE} database. */
    PsqlCommand psql() {
        return psql;
    }

    /** JDBC URL of the {@value #DATABASE} database, without credentials. */
    public String databaseUrl() {
        return databaseUrl;
    }

    /**
     * Stops the parts in reverse order: enricher (leaving its group, so the next start need not wait for it), worker
     * (clean stop: tasks stop and commit their offsets; killed past its bound), broker, PostgreSQL. Each part has a
     * bound (see {@link StopSequence}); together at most {@link #STOP_BOUND}, a few seconds when nothing is wrong.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        StopSequence sequence = new StopSequence();
        if (enricher != null) {
            KafkaStreams streams = enricher;
            sequence.stop("enricher", ENRICHER_STOP.plusSeconds(1), () -> {
                if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                        .withTimeout(ENRICHER_STOP))) {
                    throw new IllegalStateException("its stream threads did not finish within " + ENRICHER_STOP.toSeconds() + " s");
                }
            });
            enricher = null;
        }
        if (connect != null) {
            ConnectWorker worker = connect;
            sequence.stop("Connect worker", WORKER_STOP.plusSeconds(1), () -> {
                if (!worker.stop(WORKER_STOP)) {
                    throw new IllegalStateException("killed after " + WORKER_STOP.toSeconds() + " s; see " + worker.logFile());
                }
            });
            connect = null;
        }
        if (kafka != null) {
            sequence.stop("Kafka broker", BROKER_STOP, kafka::close);
            kafka = null;
        }
        if (postgres != null) {
            sequence.stop("PostgreSQL server", POSTGRES_STOP, postgres::close);
            postgres = null;
        }
        if (psql != null) {
            PsqlCommand.delete(options.dataDir());
            psql = null;
        }
        log.info("The local stack stopped in {} ms", sequence.elapsed().toMillis());
    }

    /** The worker's REST port; 0 picks a free one here, since the worker would not tell which one it bound. */
    private static int restPort(int requested) {
        if (requested != 0) {
            return requested;
        }
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port for the Connect REST API", e);
        }
    }

    private static void requirePluginJars(Path pluginsDir) {
        for (String prefix : List.of("source-connector-", "sink-connector-")) {
            boolean found;
            try (var files = Files.list(pluginsDir)) {
                found = files.anyMatch(f -> f.getFileName().toString().startsWith(prefix)
                        && f.getFileName().toString().endsWith("-plugin.jar"));
            } catch (IOException e) {
                throw new IllegalStateException("Plugin directory " + pluginsDir + " is missing: build it with "
                        + "'mvn -pl local-stack -am package -DskipTests' or pass --plugins-dir", e);
            }
            if (!found) {
                throw new IllegalStateException("No " + prefix + "*-plugin.jar in " + pluginsDir
                        + ": build it with 'mvn -pl local-stack -am package -DskipTests' or pass --plugins-dir");
            }
        }
    }

    private static Map<String, String> load(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + " (pass --config-dir to the directory holding it)", e);
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String key : props.stringPropertyNames()) {
            map.put(key, props.getProperty(key));
        }
        return map;
    }

    /** Unlike {@link PostgresServer#createDatabase}, keeps an existing database (and its data) as it is. */
    private static String createDatabaseIfAbsent(PostgresServer server, String name) {
        try (Connection c = server.connect("postgres")) {
            boolean exists;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (!exists) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + name);
                }
                log.info("Created database {}", name);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create database " + name + " on " + server + ": " + e.getMessage(), e);
        }
        return server.jdbcUrl(name);
    }

    /**
     * What to know of connectors deployed in an earlier run: they are still deployed, and the embedded PostgreSQL's
     * port is new at each start, so a connection.url naming the old port fails.
     */
    String otherConnectorsNote(List<String> connectors) {
        return "Connectors deployed earlier are still deployed: " + String.join(", ", connectors)
                + " (GET /connectors/NAME/status shows their state)."
                + (postgres.isEmbedded() ? " The embedded PostgreSQL's port is chosen at each start: a connection.url"
                + " naming a port of an earlier start fails; write \"connection.url\": \"${env:TABLESTREAM_DB_URL}\","
                + " as config/*.json do." : "");
    }
}
