package io.tablestream.enricher;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The enricher's settings. Keys defined here configure the join; every other key in the properties file
 * is handed to Kafka Streams unchanged by {@link #streamsProperties()}.
 */
public final class EnricherConfig extends AbstractConfig {

    /** How stream records without a matching lookup row are treated. */
    public enum JoinType { INNER, LEFT }

    private static final String KAFKA_GROUP = "Kafka";
    private static final String TOPICS_GROUP = "Topics";
    private static final String JOIN_GROUP = "Join";

    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    private static final String APPLICATION_ID_DOC =
            "Kafka Streams application id: consumer group, prefix of internal topics and state directory name.";
    public static final String APPLICATION_ID_DEFAULT = "tablestream-enricher";
    public static final String BOOTSTRAP_SERVERS_CONFIG = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to connect to, e.g. localhost:9092.";
    public static final String PROCESSING_GUARANTEE_CONFIG = StreamsConfig.PROCESSING_GUARANTEE_CONFIG;
    private static final String PROCESSING_GUARANTEE_DOC =
            "Kafka Streams processing guarantee: exactly_once_v2 (brokers 2.5+) or at_least_once.";

    public static final String INPUT_TOPIC_CONFIG = "input.topic";
    private static final String INPUT_TOPIC_DOC = "Change stream to enrich, e.g. orders.";
    public static final String LOOKUP_TOPIC_CONFIG = "lookup.topic";
    private static final String LOOKUP_TOPIC_DOC =
            "Topic holding the lookup table, keyed by its primary key (one field), e.g. customers.";
    public static final String OUTPUT_TOPIC_CONFIG = "output.topic";
    private static final String OUTPUT_TOPIC_DOC =
            "Topic the enriched records are written to, keyed by the input record's original key.";

    public static final String JOIN_FIELD_CONFIG = "join.field";
    private static final String JOIN_FIELD_DOC =
            "Field of the input value that holds the lookup table's key, e.g. customer_id.";
    public static final String JOIN_TYPE_CONFIG = "join.type";
    private static final String JOIN_TYPE_DOC = "inner drops input records without a lookup row; "
            + "left keeps them with the lookup fields set to null. Case-insensitive.";
    public static final String JOIN_TYPE_DEFAULT = "inner";
    public static final String LOOKUP_FIELDS_CONFIG = "lookup.fields";
    private static final String LOOKUP_FIELDS_DOC =
            "Comma-separated lookup value fields to add to the output; empty adds all of them.";
    public static final String LOOKUP_PREFIX_CONFIG = "lookup.prefix";
    private static final String LOOKUP_PREFIX_DOC = "Prefix of the added fields' names, so they cannot clash with "
            + "the input's fields. Default: the lookup topic name followed by '_', e.g. customers_.";

    /** Keys only the enricher understands; they are not passed to Kafka Streams. */
    private static final Set<String> ENRICHER_ONLY_KEYS = Set.of(INPUT_TOPIC_CONFIG, LOOKUP_TOPIC_CONFIG,
            OUTPUT_TOPIC_CONFIG, JOIN_FIELD_CONFIG, JOIN_TYPE_CONFIG, LOOKUP_FIELDS_CONFIG, LOOKUP_PREFIX_CONFIG);

    public static final ConfigDef CONFIG_DEF = configDef();

    public EnricherConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
        if (outputTopic().equals(inputTopic()) || outputTopic().equals(lookupTopic())) {
            throw new ConfigException(OUTPUT_TOPIC_CONFIG, outputTopic(),
                    "must differ from input.topic and lookup.topic, or the enricher would read its own output");
        }
    }

    private static ConfigDef configDef() {
        int kafka = 0;
        int topics = 0;
        int join = 0;
        return new ConfigDef()
                .define(APPLICATION_ID_CONFIG, Type.STRING, APPLICATION_ID_DEFAULT,
                        nonBlank("an id such as tablestream-enricher"), Importance.HIGH, APPLICATION_ID_DOC,
                        KAFKA_GROUP, ++kafka, Width.MEDIUM, "Application id")
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE,
                        ConfigDef.ValidList.anyNonDuplicateValues(false, false), Importance.HIGH,
                        BOOTSTRAP_SERVERS_DOC, KAFKA_GROUP, ++kafka, Width.LONG, "Bootstrap servers")
                .define(PROCESSING_GUARANTEE_CONFIG, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
                        ConfigDef.ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE),
                        Importance.MEDIUM, PROCESSING_GUARANTEE_DOC, KAFKA_GROUP, ++kafka, Width.SHORT,
                        "Processing guarantee")
                .define(INPUT_TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        nonBlank("a topic name such as orders"), Importance.HIGH, INPUT_TOPIC_DOC,
                        TOPICS_GROUP, ++topics, Width.MEDIUM, "Input topic")
                .define(LOOKUP_TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        nonBlank("a topic name such as customers"), Importance.HIGH, LOOKUP_TOPIC_DOC,
                        TOPICS_GROUP, ++topics, Width.MEDIUM, "Lookup topic")
                .define(OUTPUT_TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        nonBlank("a topic name such as enriched_orders"), Importance.HIGH, OUTPUT_TOPIC_DOC,
                        TOPICS_GROUP, ++topics, Width.MEDIUM, "Output topic")
                .define(JOIN_FIELD_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        nonBlank("the input value field holding the lookup key, e.g. customer_id"),
                        Importance.HIGH, JOIN_FIELD_DOC, JOIN_GROUP, ++join, Width.MEDIUM, "Join field")
                .define(JOIN_TYPE_CONFIG, Type.STRING, JOIN_TYPE_DEFAULT,
                        ConfigDef.CaseInsensitiveValidString.in("inner", "left"), Importance.MEDIUM,
                        JOIN_TYPE_DOC, JOIN_GROUP, ++join, Width.SHORT, "Join type")
                .define(LOOKUP_FIELDS_CONFIG, Type.LIST, "",
                        ConfigDef.ValidList.anyNonDuplicateValues(true, false), Importance.MEDIUM,
                        LOOKUP_FIELDS_DOC, JOIN_GROUP, ++join, Width.LONG, "Lookup fields")
                .define(LOOKUP_PREFIX_CONFIG, Type.STRING, null, Importance.LOW, LOOKUP_PREFIX_DOC,
                        JOIN_GROUP, ++join, Width.SHORT, "Lookup field prefix");
    }

    /** Rejects empty and whitespace-only values; the message says what belongs there. */
    private static ConfigDef.Validator nonBlank(String expected) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null && value.toString().isBlank()) {
                throw new ConfigException(name, value, "must not be blank; set it to " + expected);
            }
        }, () -> "non-blank string");
    }

    public String applicationId() {
        return getString(APPLICATION_ID_CONFIG);
    }

    public List<String> bootstrapServers() {
        return getList(BOOTSTRAP_SERVERS_CONFIG);
    }

    public String processingGuarantee() {
        return getString(PROCESSING_GUARANTEE_CONFIG);
    }

    public String inputTopic() {
        return getString(INPUT_TOPIC_CONFIG);
    }

    public String lookupTopic() {
        return getString(LOOKUP_TOPIC_CONFIG);
    }

    public String outputTopic() {
        return getString(OUTPUT_TOPIC_CONFIG);
    }

    public String joinField() {
        return getString(JOIN_FIELD_CONFIG);
    }

    public JoinType joinType() {
        return JoinType.valueOf(getString(JOIN_TYPE_CONFIG).trim().toUpperCase(Locale.ROOT));
    }

    /** Lookup fields to copy, in output order; empty means all of them. */
    public List<String> lookupFields() {
        return getList(LOOKUP_FIELDS_CONFIG);
    }

    public String lookupPrefix() {
        String prefix = getString(LOOKUP_PREFIX_CONFIG);
        return prefix != null ? prefix : lookupTopic() + "_";
    }

    /**
     * The Kafka Streams configuration: every key of the file that the enricher does not own, plus the
     * enricher's application id, brokers and guarantee. The exception handlers are set explicitly so a
     * bad record stops the app instead of silently skipping a row; the file may still override them.
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndFailExceptionHandler.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DefaultProductionExceptionHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndFailProcessingExceptionHandler.class.getName());
        // Kafka 5.0's default, and Streams warns without it; the enricher has no global tables, so nothing
        // else changes.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        originals().forEach((key, value) -> {
            if (!ENRICHER_ONLY_KEYS.contains(key) && value != null) {
                props.put(key, value);
            }
        });
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", bootstrapServers()));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee());
        return props;
    }
}
