package io.tablestream.local;

import io.tablestream.testkit.ConnectRestClient;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo: sample tables, the connector JSON from config/ POSTed as a user would with curl, an order generator
 * and a progress line. {@link #close()} stops the generator and the progress line; the stack is closed separately.
 */
final class Demo implements AutoCloseable {

    static final String SINK_FILE = "sink-enriched-orders.json";
    static final String SINK_TABLE = "enriched_orders";
    static final String SCHEMA_FILE = "shop-schema.sql";

    private static final Logger log = LoggerFactory.getLogger(Demo.class);
    private static final Pattern CONNECTOR_NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");
    private static final Duration CONNECTOR_START_TIMEOUT = Duration.ofMinutes(2);

    private final LocalStack stack;
    private final PrintStream out;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, runnable -> {
        Thread t = new Thread(runnable, "tablestream-demo");
        t.setDaemon(true);
        return t;
    });
    private OrderGenerator generator;
    private Progress progress;

    private Demo(LocalStack stack, PrintStream out) {
        this.stack = stack;
        this.out = out;
    }

    static Demo start(LocalStack stack, LocalStackOptions options, PrintStream out) {
        Demo demo = new Demo(stack, out);
        try {
            demo.run(options);
            return demo;
        } catch (RuntimeException e) {
            demo.close();
            throw e;
        }
    }

    private void run(LocalStackOptions options) {
        try (Connection c = stack.postgres().connect(LocalStack.DATABASE)) {
            createTables(c, options.configDir().resolve(SCHEMA_FILE));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the demo tables in " + stack.databaseUrl() + ": " + e.getMessage(), e);
        }
        ConnectRestClient client = stack.connect().rest();
        requireNoOtherSource(client.connectors(), options);
        URI rest = stack.connect().restUrl();
        for (String file : connectorFiles(options.source())) {
            out.println(deploy(rest, options.configDir().resolve(file)));
        }
        List<String> demoConnectors = connectorFiles(options.source()).stream()
                .map(file -> connectorName(options.configDir().resolve(file))).toList();
        // Only the demo's own connectors must run: one of the user's, failing or not, does not stop the demo
        for (String name : demoConnectors) {
            client.awaitRunning(name, CONNECTOR_START_TIMEOUT);
        }
        List<String> others = client.connectors().stream().filter(name -> !demoConnectors.contains(name)).toList();
        if (!others.isEmpty()) {
            out.println(stack.otherConnectorsNote(others));
        }
        boolean deletes = options.source().seesDeletes();
        generator = new OrderGenerator(() -> stack.postgres().connect(LocalStack.DATABASE), deletes, options.changes());
        long periodMicros = Math.max(1, Math.round(1_000_000 / options.rate()));
        scheduler.scheduleAtFixedRate(generator::step, 0, periodMicros, TimeUnit.MICROSECONDS);
        progress = new Progress();
        scheduler.scheduleWithFixedDelay(progress::print, 1, 1, TimeUnit.SECONDS);
        out.printf(Locale.ROOT, "Demo running (%s source, %s): %s changes per second (inserts, updates%s)%s. Ctrl-C stops everything.%n",
                options.source().name().toLowerCase(Locale.ROOT), options.source().file(), options.rate(),
                deletes ? ", deletes" : "; no deletes: the polling source cannot see them",
                options.changes() > 0 ? ", pausing after " + options.changes() : "");
        out.println(hints(stack.psql(), options));
    }

    /** The demo's connector JSON in config/, deployed in this order. */
    static List<String> connectorFiles(LocalStackOptions.DemoSource source) {
        return List.of(source.file(), SINK_FILE);
    }

    /**
     * Both sources would write to the same topics: a data directory that ran the demo with the other
     * {@code --source} is refused rather than running the two side by side.
     */
    private static void requireNoOtherSource(List<String> deployed, LocalStackOptions options) {
        for (LocalStackOptions.DemoSource other : LocalStackOptions.DemoSource.values()) {
            Path otherFile = options.configDir().resolve(other.file());
            if (other == options.source() || !Files.isRegularFile(otherFile)) {
                continue;
            }
            String name = connectorName(otherFile);
            if (deployed.contains(name)) {
                throw new IllegalStateException("Data directory " + options.dataDir() + " already runs connector " + name
                        + " (--source " + other.name().toLowerCase(Locale.ROOT) + "), which writes to the same topics: start with --source "
                        + other.name().toLowerCase(Locale.ROOT) + ", or stop the stack and use another --data-dir for --source "
                        + options.source().name().toLowerCase(Locale.ROOT));
            }
        }
    }

    static String connectorName(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        Matcher name = CONNECTOR_NAME.matcher(json);
        if (!name.find()) {
            throw new IllegalStateException(file + " has no \"name\": it must be {\"name\": ..., \"config\": {...}}");
        }
        return name.group(1);
    }

    /** What to try next, with this stack's real port and options filled in. */
    static String hints(PsqlCommand psql, LocalStackOptions options) {
        String psqlOption = (options.dataDir().equals(LocalStackOptions.DEFAULT_DATA_DIR.toAbsolutePath())
                ? "" : "--data-dir " + options.dataDir() + " ") + "--psql";
        String deleteOutcome = options.source().seesDeletes()
                ? "its row leaves enriched_orders"
                : "the polling source cannot see it: its row stays in enriched_orders (try --source cdc)";
        return String.join("\n",
                "Try it:",
                "  1. Look at the tables:  " + psql.shellCommand(List.of()) + "   (or: ./tablestream-local " + psqlOption + ")",
                "  2. Change an order and watch it arrive in table " + SINK_TABLE + " (through topics orders and " + SINK_TABLE + "):",
                "       UPDATE orders SET status = 'cancelled', updated_at = clock_timestamp() WHERE id = (SELECT max(id) FROM orders) RETURNING id;",
                "       SELECT id, status, customer_name, customer_city FROM " + SINK_TABLE + " WHERE id = <that id>;   -- status cancelled within a second or two",
                "       DELETE FROM orders WHERE id = (SELECT min(id) FROM orders) RETURNING id;   -- " + deleteOutcome,
                "  3. How the enricher joins orders with customers: docs/enricher-topology.md");
    }

    /** Runs config/shop-schema.sql (idempotent: CREATE TABLE IF NOT EXISTS, customers seeded once). */
    static void createTables(Connection c, Path schemaFile) throws SQLException {
        String sql;
        try {
            sql = Files.readString(schemaFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + schemaFile, e);
        }
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** POSTs the file's bytes unchanged to {@code /connectors}, as curl does; an existing connector is left as it is. */
    static String deploy(URI rest, Path file) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(rest + "/connectors"))
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(100))
                    .POST(HttpRequest.BodyPublishers.ofFile(file))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 201) {
                return "Deployed " + file.getFileName() + " (POST " + rest + "/connectors)";
            }
            if (response.statusCode() == 409) {
                return "Already deployed: " + file.getFileName() + " (kept its current config)";
            }
            throw new IllegalStateException("POST " + file + " to " + rest + "/connectors answered "
                    + response.statusCode() + ": " + response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot POST " + file + " to " + rest + "/connectors", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while deploying " + file, e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (generator != null) {
            generator.close();
        }
        if (progress != null) {
            progress.close();
            out.println();
        }
    }

    /**
     * One line, rewritten every second: the generator's inserts, updates and deletes, records the source captured
     * from {@code orders} (deletes included), records the enricher wrote (committed ones only), rows in the sink
     * table, and the end-to-end lag: how old the newest order stamp in the sink table is.
     */
    private final class Progress implements AutoCloseable {
        private final boolean terminal = System.console() != null;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final TopicPartition orders = new TopicPartition(stack.enricherConfig().inputTopic(), 0);
        private final TopicPartition enriched = new TopicPartition(stack.enricherConfig().outputTopic(), 0);
        private long captured;
        private long enrichedCount;

        Progress() {
            consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", stack.kafka().bootstrapServers(),
                    "isolation.level", "read_committed",
                    "auto.offset.reset", "earliest",
                    "enable.auto.commit", "false"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.assign(List.of(orders, enriched));
            consumer.seekToBeginning(List.of(orders, enriched));
        }

        void print() {
            try {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                captured += records.records(orders).size();
                enrichedCount += records.records(enriched).size();
                String written = "-";
                String lag = "-";
                try (Connection c = stack.postgres().connect(LocalStack.DATABASE); Statement s = c.createStatement();
                     var rs = s.executeQuery("SELECT to_regclass('" + SINK_TABLE + "') IS NOT NULL")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        try (var r = s.executeQuery("SELECT count(*), extract(epoch FROM clock_timestamp() - max(updated_at)) FROM " + SINK_TABLE)) {
                            r.next();
                            written = Long.toString(r.getLong(1));
                            double seconds = r.getDouble(2);
                            lag = r.wasNull() ? "-" : String.format(Locale.ROOT, "%.1f s", seconds);
                        }
                    }
                }
                String line = String.format(Locale.ROOT,
                        "inserted %d | updated %d | deleted %d | captured %d | enriched %d | written %s | lag %s%s",
                        generator.inserted(), generator.updated(), generator.deleted(), captured, enrichedCount, written, lag,
                        generator.paused() ? " | generator paused" : "");
                if (terminal) {
                    out.print("\r" + line + "   ");
                    out.flush();
                } else {
                    out.println(line);
                }
            } catch (SQLException | RuntimeException e) {
                // Keep the line going: a missed update is harmless, the next one catches up.
                log.warn("Progress update failed: {}", e.toString());
            }
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(1));
        }
    }
}
