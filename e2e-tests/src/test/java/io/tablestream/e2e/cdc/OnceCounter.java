package io.tablestream.e2e.cdc;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Counts a CDC topic's committed records per op and the distinct bigint {@code id}s among them, in memory that does
 * not grow with the records (a bit per id): for millions of records, where {@link ChangeLog} keeps each one.
 */
final class OnceCounter implements AutoCloseable {

    private static final Pattern ID = Pattern.compile("\"payload\":\\{\"id\":(\\d+)}");

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Long> records = new TreeMap<>();
    private final Map<String, BitSet> ids = new HashMap<>();

    OnceCounter(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "once-counter-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
    }

    /** Reads until {@code count} distinct ids carry {@code op}; fails after {@code timeout}. */
    void await(String op, long count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (distinct(op) < count) {
            if (System.nanoTime() > deadline) {
                fail("Timed out after " + timeout + " with " + distinct(op) + " of " + count + " ids with op " + op
                        + "; records so far " + records);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(this::count);
        }
        // Anything sent twice would follow right behind: read what is there a moment longer.
        consumer.poll(Duration.ofSeconds(2)).forEach(this::count);
    }

    private void count(ConsumerRecord<byte[], byte[]> record) {
        Header op = record.headers().lastHeader("op");
        String kind = op == null ? "?" : new String(op.value(), StandardCharsets.UTF_8);
        records.merge(kind, 1L, Long::sum);
        Matcher id = ID.matcher(new String(record.key(), StandardCharsets.UTF_8));
        if (!id.find()) {
            fail("record at offset " + record.offset() + " has no bigint id in its key");
        }
        ids.computeIfAbsent(kind, k -> new BitSet()).set(Math.toIntExact(Long.parseLong(id.group(1))));
    }

    long distinct(String op) {
        BitSet set = ids.get(op);
        return set == null ? 0 : set.cardinality();
    }

    /** Records read per op header. */
    Map<String, Long> records() {
        return Map.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
