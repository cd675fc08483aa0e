package io.tablestream.enricher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * {@code /health} (200 only while Streams is RUNNING or REBALANCING, else 503) and {@code /metrics} (the
 * numbers an operator watches, in Prometheus' text format) on the JDK's HTTP server.
 */
final class HealthServer implements AutoCloseable {

    private static final Set<KafkaStreams.State> HEALTHY =
            Set.of(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);

    private final HttpServer server;

    private HealthServer(HttpServer server) {
        this.server = server;
    }

    static HealthServer start(int port, KafkaStreams streams) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/health", exchange -> {
            KafkaStreams.State state = streams.state();
            respond(exchange, HEALTHY.contains(state) ? 200 : 503, state + "\n");
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                metrics(streams.metrics(), HEALTHY.contains(streams.state()))));
        server.start();
        return new HealthServer(server);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /**
     * Process rate summed over the stream threads, the largest consumer lag, the records the exception
     * handlers skipped (with a dead-letter topic configured, each of them was dead-lettered), and the records
     * waiting for their lookup row and dropped after waiting ({@link AwaitLookupRow}).
     */
    static String metrics(Map<MetricName, ? extends Metric> metrics, boolean up) {
        double processRate = 0;
        double lagMax = 0;
        double deadLettered = 0;
        double awaiting = 0;
        double awaitingDropped = 0;
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            MetricName name = entry.getKey();
            if (!(entry.getValue().metricValue() instanceof Number number) || Double.isNaN(number.doubleValue())) {
                continue;
            }
            double value = number.doubleValue();
            if (name.group().equals("stream-thread-metrics") && name.name().equals("process-rate")) {
                processRate += value;
            } else if (name.group().equals("consumer-fetch-manager-metrics") && name.name().equals("records-lag-max")
                    && !name.tags().containsKey("topic")) {
                lagMax = Math.max(lagMax, value);
            } else if (name.group().equals("stream-task-metrics") && name.name().equals("dropped-records-total")) {
                deadLettered += value;
            } else if (name.group().equals(AwaitLookupRow.METRIC_GROUP)
                    && name.name().equals(AwaitLookupRow.WAITING_METRIC)) {
                awaiting += value;
            } else if (name.group().equals(AwaitLookupRow.METRIC_GROUP)
                    && name.name().equals(AwaitLookupRow.DROPPED_METRIC)) {
                awaitingDropped += value;
            }
        }
        return "# TYPE tablestream_enricher_up gauge\n"
                + "tablestream_enricher_up " + (up ? 1 : 0) + "\n"
                + "# TYPE tablestream_enricher_process_rate gauge\n"
                + "tablestream_enricher_process_rate " + processRate + "\n"
                + "# TYPE tablestream_enricher_records_lag_max gauge\n"
                + "tablestream_enricher_records_lag_max " + lagMax + "\n"
                + "# TYPE tablestream_enricher_dead_lettered_total counter\n"
                + "tablestream_enricher_dead_lettered_total " + (long) deadLettered + "\n"
                + "# TYPE tablestream_enricher_awaiting_lookup_row gauge\n"
                + "tablestream_enricher_awaiting_lookup_row " + (long) awaiting + "\n"
                + "# TYPE tablestream_enricher_awaiting_lookup_row_dropped_total counter\n"
                + "tablestream_enricher_awaiting_lookup_row_dropped_total " + (long) awaitingDropped + "\n";
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
