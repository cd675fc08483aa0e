package io.tablestream.enricher;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

import java.util.Map;

/**
 * Kafka Connect's JSON format with embedded schemas, the format of the enricher's internal topics, wrapped as a
 * Serde. A null record (tombstone) maps to a null {@link SchemaAndValue}, not to {@link SchemaAndValue#NULL},
 * so KTables see it as a delete. One instance may serve all stream threads: JsonConverter's schema caches are
 * synchronized and its Jackson mapper is thread-safe.
 */
public final class ConnectJsonSerde implements BytesSerde<SchemaAndValue> {

    private final JsonConverter converter;

    private ConnectJsonSerde(boolean isKey) {
        converter = new JsonConverter();
        converter.configure(Map.of(
                JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "true",
                // Keep a null column null: substituting the column's default would change the row's data.
                JsonConverterConfig.REPLACE_NULL_WITH_DEFAULT_CONFIG, "false"), isKey);
    }

    public static ConnectJsonSerde forKeys() {
        return new ConnectJsonSerde(true);
    }

    public static ConnectJsonSerde forValues() {
        return new ConnectJsonSerde(false);
    }

    /** Already configured for Connect's format; the Streams config has nothing to add. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public byte[] toBytes(String topic, SchemaAndValue data) {
        return data == null ? null : converter.fromConnectData(topic, data.schema(), data.value());
    }

    @Override
    public SchemaAndValue fromBytes(String topic, byte[] bytes) {
        return bytes == null ? null : converter.toConnectData(topic, bytes);
    }

    @Override
    public void close() {
        converter.close();
    }
}
