package io.tablestream.source;

import io.tablestream.jdbc.ConfigEnum;
import io.tablestream.jdbc.types.NumericMapping;
import io.tablestream.jdbc.types.TimePrecisionMode;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Keys of Confluent's JDBC source that have no tablestream key of the same name, so that a Confluent config runs as
 * written or is refused: each is honoured (mapped onto the tablestream setting), refused where its value asks for
 * something tablestream does not do, or accepted and ignored with a log line at start. None is silently different.
 */
final class ConfluentKeys {

    private static final Logger log = LoggerFactory.getLogger(ConfluentKeys.class);
    private static final String GROUP = "Confluent JDBC source compatibility";

    static final String CATALOG_PATTERN_CONFIG = "catalog.pattern";
    static final String DIALECT_NAME_CONFIG = "dialect.name";
    static final String NUMERIC_PRECISION_MAPPING_CONFIG = "numeric.precision.mapping";
    static final String TIMESTAMP_GRANULARITY_CONFIG = "timestamp.granularity";
    static final String TRANSACTION_ISOLATION_MODE_CONFIG = "transaction.isolation.mode";
    static final String QUERY_RETRY_ATTEMPTS_CONFIG = "query.retry.attempts";
    static final String TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS_CONFIG = "table.monitoring.startup.polling.limit.ms";
    static final String QUOTE_SQL_IDENTIFIERS_CONFIG = "quote.sql.identifiers";

    static final String POSTGRES_DIALECT = "PostgreSqlDatabaseDialect";
    static final String CONNECT_LOGICAL = "connect_logical";

    /** Why each ignored key changes nothing here, for the log line at start. */
    private static final Map<String, String> IGNORED = Map.of(
            CATALOG_PATTERN_CONFIG, "a PostgreSQL connection sees only the database named in connection.url",
            DIALECT_NAME_CONFIG, "tablestream speaks PostgreSQL only",
            TRANSACTION_ISOLATION_MODE_CONFIG, "every poll runs in one REPEATABLE READ transaction, which the gap-free"
                    + " reading needs",
            QUERY_RETRY_ATTEMPTS_CONFIG, "transient errors (connection lost, serialization failure, ...) are retried"
                    + " on a new connection connection.backoff.ms later, and the task fails when connection.attempts"
                    + " connections in a row fail; other errors fail the task at once",
            TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS_CONFIG, "the connector reads the table list before it starts its"
                    + " tasks",
            QUOTE_SQL_IDENTIFIERS_CONFIG, "tablestream always quotes identifiers");

    private ConfluentKeys() {
    }

    static ConfigDef define(ConfigDef def) {
        int order = 0;
        return def
                .define(CATALOG_PATTERN_CONFIG, Type.STRING, null, Importance.LOW,
                        "Confluent: catalog (database) pattern. Ignored (logged): a PostgreSQL connection sees only"
                                + " the database in connection.url.", GROUP, ++order, Width.MEDIUM, "Catalog pattern")
                .define(DIALECT_NAME_CONFIG, Type.STRING, null, new OneOfOrNull(POSTGRES_DIALECT, ""), Importance.LOW,
                        "Confluent: the database dialect. Only " + POSTGRES_DIALECT + " (or empty) is accepted, and"
                                + " ignored.", GROUP, ++order, Width.MEDIUM, "Dialect")
                .define(NUMERIC_PRECISION_MAPPING_CONFIG, Type.BOOLEAN, null, Importance.LOW,
                        "Confluent's older switch: true means numeric.mapping=precision_only when numeric.mapping is"
                                + " not set.", GROUP, ++order, Width.SHORT, "Numeric precision mapping")
                .define(TIMESTAMP_GRANULARITY_CONFIG, Type.STRING, null, new OneOfOrNull(CONNECT_LOGICAL),
                        Importance.LOW, "Confluent: how timestamps are represented. connect_logical means"
                                + " time.precision.mode=connect when time.precision.mode is not set; the nanos_*"
                                + " forms are not offered (time.precision.mode=microseconds keeps every digit).",
                        GROUP, ++order, Width.MEDIUM, "Timestamp granularity")
                .define(TRANSACTION_ISOLATION_MODE_CONFIG, Type.STRING, null, new OneOfOrNull("DEFAULT",
                                "READ_UNCOMMITTED", "READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE"),
                        Importance.LOW, "Confluent: the polls' isolation level. Ignored (logged): every poll runs in"
                                + " REPEATABLE READ.", GROUP, ++order, Width.MEDIUM, "Transaction isolation")
                .define(QUERY_RETRY_ATTEMPTS_CONFIG, Type.INT, null, Importance.LOW,
                        "Confluent: retries of a failed query. Ignored (logged): transient errors are retried on a"
                                + " new connection, as connection.attempts and connection.backoff.ms say.", GROUP, ++order, Width.SHORT, "Query retry attempts")
                .define(TABLE_MONITORING_STARTUP_POLLING_LIMIT_MS_CONFIG, Type.LONG, null, Importance.LOW,
                        "Confluent: how long start-up waits for the table list. Ignored (logged): the list is read"
                                + " before the tasks start.", GROUP, ++order, Width.SHORT, "Table monitoring start-up limit")
                .define(QUOTE_SQL_IDENTIFIERS_CONFIG, Type.STRING, null, new OneOfOrNull("always"), Importance.LOW,
                        "Confluent: whether identifiers are quoted. Only always is accepted: tablestream always"
                                + " quotes them.", GROUP, ++order, Width.SHORT, "Quote identifiers");
    }

    /** numeric.mapping, or precision_only when only Confluent's numeric.precision.mapping=true is set. */
    static NumericMapping numericMapping(PostgresSourceConfig config) {
        if (!config.originals().containsKey(PostgresSourceConfig.NUMERIC_MAPPING_CONFIG)
                && Boolean.TRUE.equals(config.getBoolean(NUMERIC_PRECISION_MAPPING_CONFIG))) {
            return NumericMapping.PRECISION_ONLY;
        }
        return ConfigEnum.parse(NumericMapping.class, config.getString(PostgresSourceConfig.NUMERIC_MAPPING_CONFIG));
    }

    /** time.precision.mode, or connect when only Confluent's timestamp.granularity=connect_logical is set. */
    static TimePrecisionMode timePrecisionMode(PostgresSourceConfig config) {
        if (!config.originals().containsKey(PostgresSourceConfig.TIME_PRECISION_MODE_CONFIG)
                && CONNECT_LOGICAL.equals(config.getString(TIMESTAMP_GRANULARITY_CONFIG))) {
            return TimePrecisionMode.CONNECT;
        }
        return ConfigEnum.parse(TimePrecisionMode.class,
                config.getString(PostgresSourceConfig.TIME_PRECISION_MODE_CONFIG));
    }

    /**
     * The problem with a value tablestream reads differently from Confluent, or null. Confluent's
     * timestamp.column.name may list several columns (their COALESCE is the stamp); tablestream reads one.
     */
    static String problem(String key, Object value) {
        if (PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG.equals(key) && value instanceof String s && s.contains(",")) {
            return key + "=" + s + ": tablestream reads one timestamp column, not the first non-null of several."
                    + " Add one that holds it, e.g. ALTER TABLE t ADD COLUMN changed_at timestamptz GENERATED ALWAYS"
                    + " AS (coalesce(updated_at, created_at)) STORED, and name that column";
        }
        return null;
    }

    /** Logs each Confluent key that was set but changes nothing, once at connector start. */
    static void logIgnored(PostgresSourceConfig config) {
        for (Map.Entry<String, String> entry : IGNORED.entrySet()) {
            Object value = config.originals().get(entry.getKey());
            if (value != null) {
                log.info("{}={} (a Confluent JDBC source setting) is accepted and ignored: {}", entry.getKey(), value,
                        entry.getValue());
            }
        }
        Object precision = config.originals().get(NUMERIC_PRECISION_MAPPING_CONFIG);
        if (precision != null) {
            log.info("{}={}: numeric columns are mapped as numeric.mapping={}", NUMERIC_PRECISION_MAPPING_CONFIG,
                    precision, numericMapping(config).configValue());
        }
        Object granularity = config.originals().get(TIMESTAMP_GRANULARITY_CONFIG);
        if (granularity != null) {
            log.info("{}={}: timestamps are written as time.precision.mode={}", TIMESTAMP_GRANULARITY_CONFIG,
                    granularity, timePrecisionMode(config).configValue());
        }
    }

    /** Accepts null (not set) or one of the values, case-insensitively; the error names what is offered instead. */
    private static final class OneOfOrNull implements ConfigDef.Validator {
        private final List<String> allowed;

        OneOfOrNull(String... allowed) {
            this.allowed = List.of(allowed);
        }

        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || allowed.stream().anyMatch(a -> a.equalsIgnoreCase(value.toString().trim()))) {
                return;
            }
            throw new ConfigException(name, value, REFUSALS.getOrDefault(name, "accepted values: " + allowed));
        }

        @Override
        public String toString() {
            return "one of " + allowed;
        }
    }

    private static final Map<String, String> REFUSALS = Map.of(
            DIALECT_NAME_CONFIG, "tablestream connects to PostgreSQL only; remove dialect.name or set it to "
                    + POSTGRES_DIALECT,
            TIMESTAMP_GRANULARITY_CONFIG, "tablestream does not write nanosecond timestamps; remove"
                    + " timestamp.granularity and use time.precision.mode=microseconds (every digit PostgreSQL keeps,"
                    + " as int64) or time.precision.mode=connect (Connect's millisecond Timestamp)",
            TRANSACTION_ISOLATION_MODE_CONFIG, "not a PostgreSQL isolation level; remove transaction.isolation.mode"
                    + " (polls run in REPEATABLE READ)",
            QUOTE_SQL_IDENTIFIERS_CONFIG, "tablestream always quotes identifiers (names are used exactly as the catalog"
                    + " spells them); remove quote.sql.identifiers or set it to always");
}
