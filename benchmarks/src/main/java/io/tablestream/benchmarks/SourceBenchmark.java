package io.tablestream.benchmarks;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Source throughput: the connector polling an orders table into a topic (incrementing mode), beside a plain
 * cursor SELECT + Struct + JsonConverter + producer loop on the same table.
 */
record SourceBenchmark(BenchEnvironment env, long rows, int customers) {

    static final String TABLE = "source_orders";
    static final int FETCH_SIZE = 5_000;

    Result run(int runs) {
        env.db.useHandle(h -> h.execute("DROP TABLE IF EXISTS " + TABLE + "; " + OrderRows.createTable(TABLE)));
        CopyBenchmark.copyOrders(env, TABLE, 0, rows, customers, OrderRows.NOTE);
        env.db.useHandle(h -> h.execute("VACUUM ANALYZE " + TABLE));
        List<Double> ours = new ArrayList<>();
        List<Double> reference = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            String refTopic = "bench.src.ref." + run;
            reference.add(referenceLoop(env, TABLE, 0, rows, refTopic));
            env.kafka.deleteTopics(refTopic);
            ours.add(connector(run));
        }
        return new Result("source poll", String.format("%,d-row table, incrementing mode; reference: cursor SELECT"
                + " + Struct + JsonConverter + producer", rows), ours, reference, "rows/s", ">= 0.8", "");
    }

    private double connector(int run) {
        String name = "bench-source-" + run;
        String prefix = "bench.src." + run + ".";
        Map<String, String> config = new HashMap<>(env.connection());
        config.putAll(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "table.include.list", TABLE,
                "mode", "incrementing",
                "incrementing.column.name", "id",
                "topic.prefix", prefix,
                "poll.interval.ms", "100",
                "batch.max.rows", Integer.toString(FETCH_SIZE),
                "producer.override.linger.ms", "20",
                "producer.override.batch.size", "262144"));
        long start = System.nanoTime();
        try {
            env.rest().createOrUpdateConnector(name, config);
            long end = BenchEnvironment.awaitProgress(() -> env.endOffsets(prefix + TABLE), rows, BenchEnvironment.timeoutFor(rows), name);
            return rows / ((end - start) / 1e9);
        } finally {
            env.rest().deleteConnector(name);
            env.kafka.deleteTopics(prefix + TABLE);
        }
    }

    /**
     * The reference of the source stages: rows {@code fromId..toId-1} of {@code table} read with a cursor SELECT,
     * turned into Structs and JSON by the worker's converter and produced to {@code topic}; returns rows/s.
     */
    static double referenceLoop(BenchEnvironment env, String table, long fromId, long toId, String topic) {
        JsonConverter keys = BenchEnvironment.converter(true);
        JsonConverter values = BenchEnvironment.converter(false);
        long start = System.nanoTime();
        try (Connection db = env.postgres.connect(BenchEnvironment.DATABASE);
             KafkaProducer<byte[], byte[]> producer = BenchEnvironment.producer(env.bootstrap())) {
            db.setAutoCommit(false); // a server-side cursor: rows stream, the table never sits in memory
            try (PreparedStatement select = db.prepareStatement("SELECT id, customer_id, amount, status, created_at, note"
                    + " FROM " + table + " WHERE id >= ? AND id < ? ORDER BY id")) {
                select.setFetchSize(FETCH_SIZE);
                select.setLong(1, fromId);
                select.setLong(2, toId);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        Struct value = new Struct(OrderRows.VALUE_SCHEMA)
                                .put("id", id)
                                .put("customer_id", rs.getInt(2))
                                .put("amount", rs.getBigDecimal(3))
                                .put("status", rs.getString(4))
                                .put("created_at", Date.from(rs.getObject(5, java.time.OffsetDateTime.class).toInstant()))
                                .put("note", rs.getString(6));
                        producer.send(new ProducerRecord<>(topic,
                                keys.fromConnectData(topic, OrderRows.KEY_SCHEMA, OrderRows.key(id)),
                                values.fromConnectData(topic, OrderRows.VALUE_SCHEMA, value)));
                    }
                }
            }
            producer.flush();
            db.commit();
        } catch (Exception e) {
            throw new IllegalStateException("Source reference loop failed", e);
        }
        return (toId - fromId) / CopyBenchmark.seconds(start);
    }
}
