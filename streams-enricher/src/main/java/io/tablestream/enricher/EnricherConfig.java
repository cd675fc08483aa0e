package io.tablestream.enricher;

import io.tablestream.enricher.LookupSpec.JoinType;
import io.tablestream.enricher.LookupSpec.Semantics;
import io.tablestream.jdbc.ConfigEnum;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The enricher's settings. Keys defined here configure the joins; every other key is handed to Kafka Streams
 * unchanged by {@link #streamsProperties()}.
 * <p>
 * One lookup is configured with the shorthand keys ({@code lookup.topic}, {@code join.field}, ...). Several
 * lookups, applied in order, are named in {@code lookups} and configured with {@code lookup.<name>.<key>}
 * where {@code <key>} is one of {@link #LOOKUP_KEYS}.
 */
public final class EnricherConfig extends AbstractConfig {

    private static final String KAFKA_GROUP = "Kafka";
    private static final String TOPICS_GROUP = "Topics";
    private static final String JOIN_GROUP = "Join";
    private static final String CONVERTERS_GROUP = "Converters";
    private static final String OPERATIONS_GROUP = "Operations";

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
    public static final String OUTPUT_TOPIC_CONFIG = "output.topic";
    private static final String OUTPUT_TOPIC_DOC =
            "Topic the enriched records are written to, keyed by the input record's original key.";
    public static final String DEADLETTER_TOPIC_CONFIG = "errors.deadletter.topic";
    private static final String DEADLETTER_TOPIC_DOC = "Topic for records that cannot be read or joined (bad "
            + "bytes, no join field), with headers saying why; processing continues. Empty: such a record stops "
            + "the app.";

    public static final String LOOKUPS_CONFIG = "lookups";
    private static final String LOOKUPS_DOC = "Names of several lookups, applied in this order, each configured "
            + "with lookup.<name>.* keys. Empty: one lookup configured with the shorthand keys (lookup.topic, ...).";

    // Shorthand keys of a single lookup (the names predate several lookups).
    public static final String LOOKUP_TOPIC_CONFIG = "lookup.topic";
    public static final String JOIN_FIELD_CONFIG = "join.field";
    public static final String JOIN_TYPE_CONFIG = "join.type";
    public static final String LOOKUP_FIELDS_CONFIG = "lookup.fields";
    public static final String LOOKUP_PREFIX_CONFIG = "lookup.prefix";
    public static final String LOOKUP_SEMANTICS_CONFIG = "lookup.semantics";
    public static final String LOOKUP_GRACE_MS_CONFIG = "lookup.grace.ms";
    public static final String LOOKUP_HISTORY_RETENTION_MS_CONFIG = "lookup.history.retention.ms";
    public static final String LOOKUP_WAIT_MS_CONFIG = "lookup.wait.ms";
    public static final String LOOKUP_REMEMBER_ROUTES_CONFIG = "lookup.remember.routes";

    /** Suffixes of {@code lookup.<name>.<suffix>}; the shorthand key of each is in {@link #shorthandKey}. */
    public static final List<String> LOOKUP_KEYS = List.of("topic", "join.field", "join.type", "fields", "prefix",
            "semantics", "grace.ms", "history.retention.ms", "wait.ms", "remember.routes");
    public static final long HISTORY_RETENTION_MS_DEFAULT = Duration.ofHours(1).toMillis();
    public static final long WAIT_MS_DEFAULT = Duration.ofMinutes(10).toMillis();
    /** The producers' batch size unless the file sets one (Kafka's default is 16 KiB). */
    static final String PRODUCER_BATCH_SIZE_CONFIG = StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG);
    static final int PRODUCER_BATCH_SIZE_DEFAULT = 262_144;
    private static final Pattern LOOKUP_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    public static final String KEY_CONVERTER_CONFIG = "key.converter";
    private static final String KEY_CONVERTER_DOC = "Converter of the lookup topics' keys, configured with the "
            + "key.converter.* keys as a Connect worker does. Input keys are copied as bytes, never converted.";
    public static final String VALUE_CONVERTER_CONFIG = "value.converter";
    private static final String VALUE_CONVERTER_DOC = "Converter of the input, lookup and output values, configured "
            + "with the value.converter.* keys as a Connect worker does.";

    public static final String HTTP_PORT_CONFIG = "http.port";
    private static final String HTTP_PORT_DOC = "Port of the /health and /metrics endpoint; -1 turns it off, 0 "
            + "takes a free port (logged).";

    /** Environment variables with this prefix override keys of the properties file. */
    public static final String ENV_PREFIX = "TABLESTREAM_ENRICHER_";

    public static final ConfigDef CONFIG_DEF = configDef();

    private final List<LookupSpec> lookups;

    public EnricherConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals, false);
        lookups = parseLookups();
        Set<String> sources = new HashSet<>(Set.of(inputTopic()));
        for (LookupSpec lookup : lookups) {
            if (!sources.add(lookup.topic())) {
                throw new ConfigException(lookup.configKey("topic"), lookup.topic(),
                        "is already read as the input or by another lookup; each lookup needs its own topic");
            }
        }
        if (sources.contains(outputTopic())) {
            throw new ConfigException(OUTPUT_TOPIC_CONFIG, outputTopic(), "must differ from input.topic and the "
                    + "lookup topics, or the enricher would read its own output");
        }
        String deadLetterTopic = deadLetterTopic();
        if (deadLetterTopic != null && (sources.contains(deadLetterTopic) || deadLetterTopic.equals(outputTopic()))) {
            throw new ConfigException(DEADLETTER_TOPIC_CONFIG, deadLetterTopic, "must differ from input.topic, the "
                    + "lookup topics and output.topic: a dead letter is the raw record that failed, which would be read "
                    + "again (and fail forever) or taken for an enriched row. Set it to a topic of its own, e.g. "
                    + "enricher_dlq");
        }
        boolean anyTable = lookups.stream().anyMatch(l -> l.semantics() == Semantics.TABLE);
        for (LookupSpec lookup : lookups) {
            if (anyTable && lookup.semantics() != Semantics.TABLE) {
                throw new ConfigException(lookup.configKey("semantics"), lookup.semantics(), "cannot mix "
                        + "table with stream or global lookups: the output is either a table or a stream. Set "
                        + "all lookups' semantics to table, or none");
            }
        }
    }

    private static ConfigDef configDef() {
        int kafka = 0;
        int topics = 0;
        int converters = 0;
        int operations = 0;
        ConfigDef def = new ConfigDef()
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
                .define(OUTPUT_TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        nonBlank("a topic name such as enriched_orders"), Importance.HIGH, OUTPUT_TOPIC_DOC,
                        TOPICS_GROUP, ++topics, Width.MEDIUM, "Output topic")
                .define(DEADLETTER_TOPIC_CONFIG, Type.STRING, "", Importance.MEDIUM, DEADLETTER_TOPIC_DOC,
                        TOPICS_GROUP, ++topics, Width.MEDIUM, "Dead-letter topic")
                .define(LOOKUPS_CONFIG, Type.LIST, "", lookupNames(), Importance.HIGH, LOOKUPS_DOC,
                        JOIN_GROUP, 0, Width.LONG, "Lookups")
                .define(KEY_CONVERTER_CONFIG, Type.CLASS, JsonConverter.class, converterClass(), Importance.LOW,
                        KEY_CONVERTER_DOC, CONVERTERS_GROUP, ++converters, Width.LONG, "Key converter")
                .define(VALUE_CONVERTER_CONFIG, Type.CLASS, JsonConverter.class, converterClass(), Importance.LOW,
                        VALUE_CONVERTER_DOC, CONVERTERS_GROUP, ++converters, Width.LONG, "Value converter")
                .define(HTTP_PORT_CONFIG, Type.INT, -1, ConfigDef.Range.between(-1, 65535), Importance.LOW,
                        HTTP_PORT_DOC, OPERATIONS_GROUP, ++operations, Width.SHORT, "HTTP port");
        defineLookup(def, EnricherConfig::shorthandKey, false);
        return def;
    }

    /**
     * Defines one lookup's keys. The shorthand's topic and join field are optional here because
     * {@code lookups} may be used instead; {@link #parseLookups} requires them when it is not.
     */
    private static ConfigDef defineLookup(ConfigDef def, UnaryOperator<String> key, boolean required) {
        Object requiredString = required ? ConfigDef.NO_DEFAULT_VALUE : null;
        int order = 0;
        def.define(key.apply("topic"), Type.STRING, requiredString, nonBlank("a topic name such as customers"),
                        Importance.HIGH, "Topic holding the lookup table, keyed by its primary key (one field), "
                                + "e.g. customers.", JOIN_GROUP, ++order, Width.MEDIUM, "Lookup topic")
                .define(key.apply("join.field"), Type.STRING, requiredString,
                        nonBlank("the stream field holding the lookup key, e.g. customer_id"), Importance.HIGH,
                        "Field of the stream value that holds the lookup table's key, e.g. customer_id; may be a "
                                + "field added by an earlier lookup.", JOIN_GROUP, ++order, Width.MEDIUM, "Join field");
        ConfigEnum.define(def, key.apply("join.type"), JoinType.class, JoinType.INNER, Importance.MEDIUM,
                "inner drops stream records without a lookup row; left keeps them with the lookup fields set to "
                        + "null. Case-insensitive.", JOIN_GROUP, ++order, Width.SHORT, "Join type");
        def.define(key.apply("fields"), Type.LIST, "", ConfigDef.ValidList.anyNonDuplicateValues(true, false),
                        Importance.MEDIUM, "Comma-separated lookup value fields to add to the output; empty adds "
                                + "all of them.", JOIN_GROUP, ++order, Width.LONG, "Lookup fields")
                .define(key.apply("prefix"), Type.STRING, null, Importance.LOW, "Prefix of the added fields' "
                        + "names. Default: the lookup topic name followed by '_', e.g. customers_.",
                        JOIN_GROUP, ++order, Width.SHORT, "Lookup field prefix");
        ConfigEnum.define(def, key.apply("semantics"), Semantics.class, Semantics.STREAM, Importance.MEDIUM,
                "stream: each record joins the lookup row as of its timestamp; global: the current row, from a "
                        + "table replicated to every instance (no repartition, not time-aware); table: a "
                        + "materialized view, lookup changes re-emit dependent rows.",
                JOIN_GROUP, ++order, Width.SHORT, "Semantics");
        return def.define(key.apply("grace.ms"), Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        "stream semantics: how long a stream record waits (in event time) for a lookup row that "
                                + "arrives late. 0: no wait.", JOIN_GROUP, ++order, Width.SHORT, "Grace period")
                .define(key.apply("history.retention.ms"), Type.LONG, null, Importance.LOW,
                        "stream semantics: how long old versions of lookup rows are kept for joins by timestamp; "
                                + "at least grace.ms. Default: the larger of 1 hour and grace.ms.",
                        JOIN_GROUP, ++order, Width.SHORT, "History retention")
                .define(key.apply("wait.ms"), Type.LONG, null, Importance.LOW,
                        "stream semantics, inner join: how long (wall-clock) a record that found no lookup row "
                                + "waits for one to arrive before it is dropped, e.g. at a first start when the "
                                + "lookup rows were written after the records. 0: drop at once. Default: 10 minutes.",
                        JOIN_GROUP, ++order, Width.SHORT, "Wait for lookup row")
                .define(key.apply("remember.routes"), Type.BOOLEAN, true, Importance.LOW,
                        "stream semantics: remember, per input key, the join key its last record was routed by, so "
                                + "a record that carries no join key (a tombstone, a delete with only the key, a "
                                + "null join field under a left join) follows the records it deletes or replaces "
                                + "instead of overtaking them. It costs a store read, write and changelog record "
                                + "per new input key. false: for an input without such records (no deletes, join "
                                + "field never null), about a quarter less CPU per record; such a record is then a "
                                + "bad record.", JOIN_GROUP, ++order, Width.SHORT, "Remember routes");
    }

    /** The key of one lookup setting: {@code lookup.<name>.<suffix>}, or the shorthand key for name null. */
    public static String lookupKey(String name, String suffix) {
        return name == null ? shorthandKey(suffix) : "lookup." + name + "." + suffix;
    }

    private static String shorthandKey(String suffix) {
        return suffix.startsWith("join.") ? suffix : "lookup." + suffix;
    }

    private List<LookupSpec> parseLookups() {
        List<String> names = getList(LOOKUPS_CONFIG);
        if (names.isEmpty()) {
            for (String required : List.of("topic", "join.field")) {
                if (get(shorthandKey(required)) == null) {
                    throw new ConfigException(shorthandKey(required), null, "is required: set it (one lookup), or "
                            + "name several lookups in " + LOOKUPS_CONFIG + " and configure lookup.<name>.*");
                }
            }
            return List.of(lookup(null, new HashMap<>(values())));
        }
        if (originals().get(LOOKUP_TOPIC_CONFIG) != null || originals().get(JOIN_FIELD_CONFIG) != null) {
            throw new ConfigException(LOOKUPS_CONFIG, names, "cannot be combined with the shorthand keys "
                    + "lookup.topic and join.field: configure each lookup as lookup.<name>.topic, "
                    + "lookup.<name>.join.field, ...");
        }
        List<LookupSpec> specs = new ArrayList<>();
        for (String name : names) {
            ConfigDef def = defineLookup(new ConfigDef(), suffix -> lookupKey(name, suffix), true);
            specs.add(lookup(name, def.parse(originals())));
        }
        return List.copyOf(specs);
    }

    private static LookupSpec lookup(String name, Map<String, Object> values) {
        UnaryOperator<String> key = suffix -> lookupKey(name, suffix);
        String topic = (String) values.get(key.apply("topic"));
        String prefix = (String) values.get(key.apply("prefix"));
        Semantics semantics = ConfigEnum.parse(Semantics.class, (String) values.get(key.apply("semantics")));
        long grace = (Long) values.get(key.apply("grace.ms"));
        Long history = (Long) values.get(key.apply("history.retention.ms"));
        Long wait = (Long) values.get(key.apply("wait.ms"));
        boolean rememberRoutes = (Boolean) values.get(key.apply("remember.routes"));
        if (grace > 0 && semantics != Semantics.STREAM) {
            throw new ConfigException(key.apply("grace.ms"), grace, "applies only to stream semantics; remove it "
                    + "or set " + key.apply("semantics") + "=stream");
        }
        if (wait != null && wait < 0) {
            throw new ConfigException(key.apply("wait.ms"), wait, "must be at least 0 (0: drop at once)");
        }
        if (wait != null && wait > 0 && semantics != Semantics.STREAM) {
            throw new ConfigException(key.apply("wait.ms"), wait, "applies only to stream semantics (global and "
                    + "table lookups never drop a record for a row that arrives later); remove it or set "
                    + key.apply("semantics") + "=stream");
        }
        if (!rememberRoutes && semantics != Semantics.STREAM) {
            throw new ConfigException(key.apply("remember.routes"), false, "applies only to stream semantics (the "
                    + "others route nothing by join key); remove it or set " + key.apply("semantics") + "=stream");
        }
        if (history != null && history < grace) {
            throw new ConfigException(key.apply("history.retention.ms"), history, "must be at least "
                    + key.apply("grace.ms") + " (" + grace + "), or late lookup rows could not be found");
        }
        @SuppressWarnings("unchecked")
        List<String> fields = (List<String>) values.get(key.apply("fields"));
        return new LookupSpec(name != null ? name : topic, topic, (String) values.get(key.apply("join.field")),
                fields, prefix != null ? prefix : topic + "_",
                ConfigEnum.parse(JoinType.class, (String) values.get(key.apply("join.type"))), semantics, grace,
                history != null ? history : Math.max(HISTORY_RETENTION_MS_DEFAULT, grace),
                wait != null ? wait : semantics == Semantics.STREAM ? WAIT_MS_DEFAULT : 0, rememberRoutes, name == null);
    }

    /** Rejects empty and whitespace-only values; the message says what belongs there. */
    private static ConfigDef.Validator nonBlank(String expected) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null && value.toString().isBlank()) {
                throw new ConfigException(name, value, "must not be blank; set it to " + expected);
            }
        }, () -> "non-blank string");
    }

    private static ConfigDef.Validator lookupNames() {
        ConfigDef.Validator unique = ConfigDef.ValidList.anyNonDuplicateValues(true, false);
        return ConfigDef.LambdaValidator.with((name, value) -> {
            unique.ensureValid(name, value);
            for (Object lookup : (List<?>) value) {
                if (!LOOKUP_NAME.matcher(lookup.toString()).matches()) {
                    throw new ConfigException(name, value, "lookup name '" + lookup + "' may only contain letters, "
                            + "digits, '_' and '-', e.g. customers");
                }
            }
        }, () -> "comma-separated names of letters, digits, '_' and '-'");
    }

    private static ConfigDef.Validator converterClass() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value instanceof Class<?> type && !Converter.class.isAssignableFrom(type)) {
                throw new ConfigException(name, type.getName(), "is not a " + Converter.class.getName()
                        + "; use e.g. " + JsonConverter.class.getName());
            }
        }, () -> "a Kafka Connect Converter class");
    }

    /**
     * The settings of {@code env} that override the properties file: {@code TABLESTREAM_ENRICHER_INPUT_TOPIC}
     * sets {@code input.topic}. As in Confluent's images, {@code _} becomes {@code .}, {@code __} becomes
     * {@code _} and {@code ___} becomes {@code -}; the rest is lower-cased.
     */
    public static Map<String, String> environmentOverrides(Map<String, String> env) {
        Map<String, String> overrides = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT)
                        .replace("___", "\u0000").replace("__", "\u0001").replace('_', '.')
                        .replace('\u0001', '_').replace('\u0000', '-');
                overrides.put(key, value);
            }
        });
        return overrides;
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

    public String outputTopic() {
        return getString(OUTPUT_TOPIC_CONFIG);
    }

    /** The dead-letter topic, or null when bad records stop the app. */
    public String deadLetterTopic() {
        String topic = getString(DEADLETTER_TOPIC_CONFIG);
        return topic == null || topic.isBlank() ? null : topic.trim();
    }

    /** The lookups in the order they are applied; never empty. */
    public List<LookupSpec> lookups() {
        return lookups;
    }

    public int httpPort() {
        return getInt(HTTP_PORT_CONFIG);
    }

    /** A new key converter, configured like a Connect worker's from the {@code key.converter.*} keys. */
    public Converter keyConverter() {
        return converter(KEY_CONVERTER_CONFIG, true);
    }

    /** A new value converter, configured like a Connect worker's from the {@code value.converter.*} keys. */
    public Converter valueConverter() {
        return converter(VALUE_CONVERTER_CONFIG, false);
    }

    private Converter converter(String key, boolean isKey) {
        // Not getConfiguredInstance: that calls configure(Map), which JsonConverter reads as a header converter.
        Converter converter = Utils.newInstance(getClass(key), Converter.class);
        Map<String, Object> settings = new HashMap<>();
        if (converter instanceof JsonConverter) {
            settings.put(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "true");
            // Keep a null column null: substituting the column's default would change the row's data.
            settings.put(JsonConverterConfig.REPLACE_NULL_WITH_DEFAULT_CONFIG, "false");
        }
        settings.putAll(originalsWithPrefix(key + "."));
        converter.configure(settings, isKey);
        return converter;
    }

    /** Whether a key of the file belongs to the enricher rather than to Kafka Streams. */
    private static boolean isEnricherKey(String key) {
        if (Set.of(APPLICATION_ID_CONFIG, BOOTSTRAP_SERVERS_CONFIG, PROCESSING_GUARANTEE_CONFIG).contains(key)) {
            return false;
        }
        return CONFIG_DEF.names().contains(key) || key.startsWith("lookup.")
                || key.startsWith(KEY_CONVERTER_CONFIG + ".") || key.startsWith(VALUE_CONVERTER_CONFIG + ".");
    }

    /**
     * The Kafka Streams configuration: every key of the file that the enricher does not own, plus the
     * enricher's application id, brokers and guarantee. Without a dead-letter topic the exception handlers stop
     * the app on a bad record instead of silently skipping a row; with one they send it there and continue.
     * The file may still override them.
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        String deadLetterTopic = deadLetterTopic();
        if (deadLetterTopic == null) {
            props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                    BadRecords.StopOnBadRecord.class.getName());
            props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                    BadRecords.StopOnBadRecord.class.getName());
        } else {
            props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
            props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                    LogAndContinueExceptionHandler.class.getName());
            props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                    LogAndContinueProcessingExceptionHandler.class.getName());
        }
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DefaultProductionExceptionHandler.class.getName());
        // Kafka 5.0's default, and Streams warns without it.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // Each input record is written two to five times (internal topics, changelogs, output), and a 16 KiB
        // batch holds only about 16 records in Connect JSON with schemas: small batches cost the producer, its
        // network thread and the broker more than the join itself. A batch leaves after linger.ms (Streams: 100 ms)
        // or at the next commit whether full or not, so bigger batches add no latency. A batch.size in the file,
        // prefixed or not, wins.
        if (!originals().containsKey(ProducerConfig.BATCH_SIZE_CONFIG)
                && !originals().containsKey(PRODUCER_BATCH_SIZE_CONFIG)) {
            props.put(PRODUCER_BATCH_SIZE_CONFIG, PRODUCER_BATCH_SIZE_DEFAULT);
        }
        originals().forEach((key, value) -> {
            if (!isEnricherKey(key) && value != null) {
                props.put(key, value);
            }
        });
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", bootstrapServers()));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee());
        return props;
    }
}
