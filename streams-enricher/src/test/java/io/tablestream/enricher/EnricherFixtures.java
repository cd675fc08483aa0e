package io.tablestream.enricher;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.TopologyTestDriver;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** What the topology tests share: Connect JSON with schemas on every topic, an id key, the base configuration. */
final class EnricherFixtures {

    static final Schema ID_KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    static final JsonConverter KEYS = converter(true);
    static final JsonConverter VALUES = converter(false);

    private EnricherFixtures() {
    }

    /** orders -> enriched_orders with state under {@code stateDir}; tests add the lookups they exercise. */
    static Map<String, String> baseConfig(Path stateDir) {
        Map<String, String> props = new HashMap<>();
        props.put(EnricherConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(EnricherConfig.INPUT_TOPIC_CONFIG, "orders");
        props.put(EnricherConfig.OUTPUT_TOPIC_CONFIG, "enriched_orders");
        props.put("state.dir", stateDir.toString());
        return props;
    }

    static TopologyTestDriver driver(EnricherConfig config) {
        return new TopologyTestDriver(EnricherTopology.build(config, new InMemorySchemas()), config.streamsProperties());
    }

    static byte[] idKey(String topic, int id) {
        return KEYS.fromConnectData(topic, ID_KEY, new Struct(ID_KEY).put("id", id));
    }

    static Struct enrichedValue(byte[] bytes) {
        return (Struct) VALUES.toConnectData("enriched_orders", bytes).value();
    }

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }
}
