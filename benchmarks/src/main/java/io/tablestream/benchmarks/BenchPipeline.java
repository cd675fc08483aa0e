package io.tablestream.benchmarks;

import io.tablestream.enricher.EnricherApp;
import io.tablestream.enricher.EnricherConfig;
import org.apache.kafka.streams.KafkaStreams;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The whole pipeline the end-to-end and soak stages load: {@code <name>_customers} and {@code <name>_orders} ->
 * source (incrementing, poll.interval.ms=50) -> enricher -> upsert sink -> {@code <name>_enriched}, whose
 * {@code written_at} column stamps each row's write by the database clock.
 */
final class BenchPipeline implements AutoCloseable {

    private static final long TICK_MS = 10;

    private final BenchEnvironment env;
    private final String name;
    private final KafkaStreams enricher;

    private BenchPipeline(BenchEnvironment env, String name, KafkaStreams enricher) {
        this.env = env;
        this.name = name;
        this.enricher = enricher;
    }

    /** Creates tables, topics, both connectors and the enricher, and returns once all run. */
    static BenchPipeline start(BenchEnvironment env, String name) throws IOException {
        env.db.useHandle(h -> h.execute("""
                CREATE TABLE %1$s_customers (id int PRIMARY KEY, name text NOT NULL, city text NOT NULL);
                INSERT INTO %1$s_customers SELECT i, 'customer ' || i, 'city ' || (i %% 50) FROM generate_series(0, 999) i;
                CREATE TABLE %1$s_orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL,
                                          status text NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                                          note text NOT NULL);
                CREATE TABLE %1$s_enriched (id bigint PRIMARY KEY, customer_id int, amount numeric(12,2), status text,
                                            created_at timestamptz, note text, customer_name text, customer_city text,
                                            written_at timestamptz NOT NULL DEFAULT clock_timestamp());
                """.formatted(name)));
        String prefix = "bench." + name + ".";
        for (String topic : List.of(name + "_customers", name + "_orders", "enriched")) {
            env.kafka.createTopic(prefix + topic, 1);
        }
        Map<String, String> source = new HashMap<>(env.connection());
        source.putAll(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "table.include.list", name + "_customers," + name + "_orders",
                "mode", "incrementing",
                "incrementing.column.name", "id",
                "topic.prefix", prefix,
                "poll.interval.ms", "50",
                "batch.max.rows", "1000"));
        Map<String, String> sink = new HashMap<>(env.connection());
        sink.putAll(Map.of(
                "connector.class", "io.tablestream.sink.PostgresSinkConnector",
                "topics", prefix + "enriched",
                "table.name.format", name + "_enriched",
                "insert.mode", "upsert",
                "pk.mode", "record_key"));
        env.rest().createOrUpdateConnector(connector(name, "source"), source);
        env.rest().createOrUpdateConnector(connector(name, "sink"), sink);
        KafkaStreams enricher = EnricherApp.create(new EnricherConfig(Map.of(
                "application.id", "bench-" + name + "-enricher",
                "bootstrap.servers", env.bootstrap(),
                "input.topic", prefix + name + "_orders",
                "lookup.topic", prefix + name + "_customers",
                "output.topic", prefix + "enriched",
                "join.field", "customer_id",
                "lookup.fields", "name,city",
                "lookup.prefix", "customer_",
                "state.dir", Files.createTempDirectory("bench-" + name).toString())));
        enricher.start();
        BenchPipeline pipeline = new BenchPipeline(env, name, enricher);
        try {
            env.rest().awaitRunning(connector(name, "source"), Duration.ofMinutes(2));
            env.rest().awaitRunning(connector(name, "sink"), Duration.ofMinutes(2));
            BenchEnvironment.awaitProgress(() -> enricher.state() == KafkaStreams.State.RUNNING ? 1 : 0, 1,
                    Duration.ofMinutes(2), "enricher RUNNING");
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
        BenchEnvironment.sleep(2000); // let the customers reach the enricher's table before the first order
        return pipeline;
    }

    String enrichedTable() {
        return name + "_enriched";
    }

    long enrichedRows() {
        return env.count("SELECT count(*) FROM " + enrichedTable());
    }

    /**
     * Inserts orders at the target rate in 10 ms ticks on one connection, calling {@code everyMinute} with the rows
     * inserted so far after each minute; returns how many rows it inserted.
     */
    long generate(int ratePerSecond, int seconds, LongConsumer everyMinute) {
        int perTick = Math.max(1, (int) (ratePerSecond * TICK_MS / 1000));
        long ticks = seconds * 1000L / TICK_MS;
        long ticksPerMinute = 60_000 / TICK_MS;
        String insert = "INSERT INTO " + name + "_orders (customer_id, amount, status, note) SELECT"
                + " (random() * 999)::int, 12.34, 'new', '" + OrderRows.NOTE + "' FROM generate_series(1, " + perTick + ")";
        env.db.useHandle(h -> {
            long start = System.nanoTime();
            for (long tick = 0; tick < ticks; tick++) {
                long wait = start + tick * TICK_MS * 1_000_000L - System.nanoTime();
                if (wait > 0) {
                    BenchEnvironment.sleep(wait / 1_000_000);
                }
                h.execute(insert);
                if ((tick + 1) % ticksPerMinute == 0) {
                    everyMinute.accept((tick + 1) * perTick);
                }
            }
        });
        return ticks * perTick;
    }

    @Override
    public void close() {
        enricher.close(Duration.ofSeconds(60));
        env.rest().deleteConnector(connector(name, "source"));
        env.rest().deleteConnector(connector(name, "sink"));
    }

    private static String connector(String name, String role) {
        return "bench-" + name + "-" + role;
    }
}
