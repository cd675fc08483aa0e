package io.tablestream.enricher;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The internal schemas in a compacted topic {@code <application.id>-internal-schemas} (one partition): key the id,
 * value the schema in Connect JSON. An id is the first 8 bytes of the SHA-256 of the schema, so every instance gives
 * a schema the same id without asking the others.
 * <p>
 * A schema is written once per process (then known), synchronously with {@code acks=all} before the first value
 * carrying its id is sent, so a reader never meets an id whose schema is not in the topic yet; under exactly-once a
 * schema written by an aborted transaction's records only stays unused. A reader that meets an unknown id reads the
 * topic from its start. Both happen about once per schema and process, so the clients are made for the call and
 * closed after it: nothing to close with the app. Settings (security included) are those Kafka Streams gives its
 * admin, producer and consumer.
 */
final class SchemaTopic implements InternalSchemas {

    private static final String TOPIC_SUFFIX = "-internal-schemas";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final StreamsConfig streamsConfig;
    private final String topic;
    private final Map<Long, byte[]> known = new ConcurrentHashMap<>();
    /** Whether the topic exists and {@link #known} holds what it held when first read. */
    private boolean synced;

    SchemaTopic(StreamsConfig streamsConfig) {
        this.streamsConfig = streamsConfig;
        this.topic = streamsConfig.getString(StreamsConfig.APPLICATION_ID_CONFIG) + TOPIC_SUFFIX;
    }

    @Override
    public synchronized long register(byte[] schemaJson) {
        long id = idOf(schemaJson);
        // The topic is read once, for the schemas other instances wrote; after that a schema this process has
        // not seen is written at once: if another instance wrote it meanwhile, compaction keeps one of the two.
        if (!synced && !known.containsKey(id)) {
            createTopicIfMissing();
            readAll();
            synced = true;
        }
        byte[] stored = known.get(id);
        if (stored == null) {
            write(id, schemaJson);
            known.put(id, schemaJson.clone());
        } else if (!Arrays.equals(stored, schemaJson)) {
            throw new SerializationException("Two schemas have the same id " + Long.toHexString(id) + " in topic '"
                    + topic + "'; an enricher value cannot name its schema");
        }
        return id;
    }

    @Override
    public byte[] schemaJson(long id) {
        byte[] schema = known.get(id);
        if (schema != null) {
            return schema;
        }
        synchronized (this) {
            if (!known.containsKey(id)) {
                readAll();
            }
        }
        schema = known.get(id);
        if (schema == null) {
            throw new SerializationException("An enricher value names schema id " + Long.toHexString(id)
                    + ", which is not in topic '" + topic + "'. The topic must be kept as long as the app's internal"
                    + " topics and stores (it is compacted; do not delete it, or reset the whole app)");
        }
        return schema;
    }

    static long idOf(byte[] schemaJson) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(schemaJson)).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    private void createTopicIfMissing() {
        Map<String, Object> adminConfig = streamsConfig.getAdminConfigs(topic + "-admin");
        int replicationFactor = streamsConfig.getInt(StreamsConfig.REPLICATION_FACTOR_CONFIG);
        NewTopic newTopic = new NewTopic(topic, Optional.of(1), replicationFactor < 0 ? Optional.empty()
                : Optional.of((short) replicationFactor))
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try (Admin admin = Admin.create(adminConfig)) {
            if (admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
                return;
            }
            admin.createTopics(List.of(newTopic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create the enricher's topic '" + topic + "': "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Cannot create the enricher's topic '" + topic + "' within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic '" + topic + "'", e);
        }
    }

    private void write(long id, byte[] schemaJson) {
        Map<String, Object> config = streamsConfig.getProducerConfigs(topic + "-producer");
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, 0, ByteBuffer.allocate(Long.BYTES).putLong(id).array(),
                    schemaJson)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot write a schema to topic '" + topic + "': "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Cannot write a schema to topic '" + topic + "' within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing a schema to topic '" + topic + "'", e);
        }
    }

    /** Reads every schema in the topic (a missing topic has none). */
    private void readAll() {
        Map<String, Object> config = streamsConfig.getRestoreConsumerConfigs(topic + "-reader");
        // Asking for a missing topic must not create it with the broker's defaults (not compacted).
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            if (consumer.partitionsFor(topic, TIMEOUT).isEmpty()) {
                return;
            }
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(partition, TIMEOUT) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Cannot read topic '" + topic + "' to its end within " + TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null && record.key().length == Long.BYTES && record.value() != null) {
                        known.put(ByteBuffer.wrap(record.key()).getLong(), record.value());
                    }
                }
            }
        }
    }
}
