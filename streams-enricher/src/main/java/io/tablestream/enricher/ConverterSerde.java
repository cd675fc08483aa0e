package io.tablestream.enricher;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.Converter;

import java.util.Map;

/**
 * A Kafka Connect {@link Converter} as a Serde, so the enricher reads and writes the topics exactly as the
 * connectors do, whatever the format (JSON, Avro, Protobuf...). A null record (tombstone) maps to a null
 * {@link SchemaAndValue}. One instance serves all stream threads, as one converter serves all tasks of a
 * Connect worker.
 */
final class ConverterSerde implements Serde<SchemaAndValue> {

    private final Converter converter;

    ConverterSerde(Converter converter) {
        this.converter = converter;
    }

    /** Configured by {@link EnricherConfig}, like a worker's converter; the Streams config has nothing to add. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public Serializer<SchemaAndValue> serializer() {
        return new Serializer<>() {
            @Override
            public byte[] serialize(String topic, SchemaAndValue data) {
                return serialize(topic, null, data);
            }

            @Override
            public byte[] serialize(String topic, Headers headers, SchemaAndValue data) {
                return data == null ? null : converter.fromConnectData(topic, headers, data.schema(), data.value());
            }
        };
    }

    @Override
    public Deserializer<SchemaAndValue> deserializer() {
        return new Deserializer<>() {
            @Override
            public SchemaAndValue deserialize(String topic, byte[] data) {
                return deserialize(topic, null, data);
            }

            @Override
            public SchemaAndValue deserialize(String topic, Headers headers, byte[] data) {
                return data == null ? null : converter.toConnectData(topic, headers, data);
            }
        };
    }
}
