package io.tablestream.benchmarks;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.PostgresSourceConfig;
import io.tablestream.source.TableSchema;
import io.tablestream.source.cdc.ReferenceRecords;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What our CDC records could reach without Connect's worker around them: a cursor over the table, the records the
 * connector's own code builds of each row (key, flat value, change headers), the worker's default converters
 * ({@code JsonConverter} with schemas, {@code SimpleHeaderConverter}) and a producer, on one thread, as a source
 * task's thread would do it. Run with the producer settings Connect gives a source task by default, and with the
 * bigger batches the performance notes recommend, so the figures say whether the record shape or the producer's
 * default batching is the limit.
 *
 * @param producerOverrides on top of Connect's defaults for a source task's producer
 * @param headers           false: the records without their change headers, to tell the headers' share
 */
record CdcRecordCeiling(BenchEnvironment env, String table, long rows, String label, Map<String, Object> producerOverrides,
                        boolean headers) {

    /** Rows/s, CPU of the loop's thread and of the producer's network thread per record, and bytes per record. */
    record Figures(double rowsPerSecond, double loopCpuMicros, double networkCpuMicros, double bytesPerRecord) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,.0f rows/s, CPU per record %.2f us (loop) + %.2f us (producer's"
                    + " network thread), %,.0f bytes of key, value and headers per record", rowsPerSecond,
                    loopCpuMicros, networkCpuMicros, bytesPerRecord);
        }
    }

    Figures run(Map<String, String> connectorConfig) {
        String topic = "bench.cdc.ceiling." + label;
        PostgresSourceConfig config = new PostgresSourceConfig(connectorConfig);
        TableId id = new TableId("public", table);
        TableSchema schema = env.db.withHandle(h -> TableSchema.read(h, id, PgTypeCatalog.of(config.typeOptions())));
        ReferenceRecords records = new ReferenceRecords(config, schema, topic);
        Map<String, ?> partition = Map.of("slot", label);
        Map<String, ?> offset = Map.of("lsn", 0L);
        JsonConverter keys = BenchEnvironment.converter(true);
        JsonConverter values = BenchEnvironment.converter(false);
        SimpleHeaderConverter headerConverter = new SimpleHeaderConverter();
        headerConverter.configure(Map.of());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long bytes = 0;
        long count = 0;
        long start = System.nanoTime();
        long loopCpuStart = threads.getCurrentThreadCpuTime();
        long networkCpu;
        try (Connection db = env.postgres.connect(BenchEnvironment.DATABASE);
             KafkaProducer<byte[], byte[]> producer = producer()) {
            long networkCpuStart = networkThreadCpu(threads);
            db.setAutoCommit(false); // a server-side cursor: rows stream, the table never sits in memory
            String columns = String.join(", ", schema.columns().stream().map(c -> '"' + c.column().name() + '"').toList());
            try (PreparedStatement select = db.prepareStatement("SELECT " + columns + " FROM " + table
                    + " WHERE id < ? ORDER BY id")) {
                select.setFetchSize(SourceBenchmark.FETCH_SIZE);
                select.setLong(1, rows);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        for (SourceRecord record : records.snapshotRead(schema.readValue(rs), count, partition, offset)) {
                            RecordHeaders headers = new RecordHeaders();
                            for (Header header : this.headers ? record.headers() : List.<Header>of()) {
                                byte[] raw = headerConverter.fromConnectHeader(topic, header.key(), header.schema(),
                                        header.value());
                                headers.add(header.key(), raw);
                                bytes += header.key().length() + raw.length;
                            }
                            byte[] key = keys.fromConnectData(topic, headers, record.keySchema(), record.key());
                            byte[] value = values.fromConnectData(topic, headers, record.valueSchema(), record.value());
                            bytes += key.length + value.length;
                            producer.send(new ProducerRecord<>(topic, null, record.timestamp(), key, value, headers));
                        }
                        count++;
                    }
                }
            }
            producer.flush();
            networkCpu = networkThreadCpu(threads) - networkCpuStart;
            db.commit();
        } catch (Exception e) {
            throw new IllegalStateException("CDC record ceiling loop failed", e);
        }
        double loopCpu = threads.getCurrentThreadCpuTime() - loopCpuStart;
        double seconds = CopyBenchmark.seconds(start);
        env.kafka.deleteTopics(topic);
        return new Figures(count / seconds, loopCpu / count / 1e3, networkCpu / (double) count / 1e3,
                bytes / (double) count);
    }

    /** A source task's producer as Connect configures it (Worker.baseProducerConfigs), plus the overrides. */
    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap(),
                ProducerConfig.CLIENT_ID_CONFIG, "bench-cdc-ceiling-" + label,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.MAX_VALUE,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE));
        config.putAll(producerOverrides);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The CPU time of this loop's producer's network thread, in nanoseconds (0 before it started). */
    private long networkThreadCpu(ThreadMXBean threads) {
        long total = 0;
        for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
            if (info.getThreadName().equals("kafka-producer-network-thread | bench-cdc-ceiling-" + label)) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }
}
