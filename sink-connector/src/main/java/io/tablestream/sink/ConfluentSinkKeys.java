package io.tablestream.sink;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keys of Confluent's JDBC sink that this sink has no key of the same name for, so that a Confluent config runs as
 * written or is refused: a value that asks for what the sink does anyway is accepted and ignored with a log line at
 * start; a value that asks for something else is refused at validation, naming the fix. Without them Connect would
 * accept the keys without a word, and e.g. table.types=VIEW would silently not be applied.
 */
final class ConfluentSinkKeys {

    private static final Logger log = LoggerFactory.getLogger(ConfluentSinkKeys.class);
    private static final String GROUP = "Confluent JDBC sink compatibility";

    static final String DIALECT_NAME_CONFIG = "dialect.name";
    static final String TABLE_TYPES_CONFIG = "table.types";
    static final String TRIM_SENSITIVE_LOG_CONFIG = "trim.sensitive.log";
    static final String MSSQL_USE_MERGE_HOLDLOCK_CONFIG = "mssql.use.merge.holdlock";

    private static final String POSTGRES_DIALECT = "PostgreSqlDatabaseDialect";
    private static final String TABLE = "TABLE";

    /** Why each accepted key changes nothing here, for the log line at start. */
    private static final Map<String, String> IGNORED = Map.of(
            DIALECT_NAME_CONFIG, "the sink writes to PostgreSQL only",
            TABLE_TYPES_CONFIG, "the sink writes into tables, as table.types=TABLE asks",
            TRIM_SENSITIVE_LOG_CONFIG, "row values are never logged at INFO or WARN",
            MSSQL_USE_MERGE_HOLDLOCK_CONFIG, "a SQL Server setting");

    private ConfluentSinkKeys() {
    }

    static ConfigDef define(ConfigDef def) {
        int order = 0;
        return def
                .define(DIALECT_NAME_CONFIG, Type.STRING, null, ConfigDef.LambdaValidator.with(
                                ConfluentSinkKeys::checkDialect, () -> POSTGRES_DIALECT + " or empty"), Importance.LOW,
                        "Confluent: the database dialect. Only " + POSTGRES_DIALECT + " (or empty) is accepted, and"
                                + " ignored.", GROUP, ++order, Width.MEDIUM, "Dialect")
                .define(TABLE_TYPES_CONFIG, Type.LIST, null, ConfigDef.LambdaValidator.with(
                                ConfluentSinkKeys::checkTableTypes, () -> TABLE), Importance.LOW,
                        "Confluent: the kinds of relation the sink may write into. Only TABLE is accepted, and"
                                + " ignored: the sink is built for tables (COPY cannot write into a view).", GROUP, ++order, Width.SHORT, "Table types")
                .define(TRIM_SENSITIVE_LOG_CONFIG, Type.BOOLEAN, null, Importance.LOW,
                        "Confluent: leave record values out of logs. Accepted and ignored: row values are never"
                                + " logged at INFO or WARN.", GROUP, ++order, Width.SHORT, "Trim sensitive log")
                .define(MSSQL_USE_MERGE_HOLDLOCK_CONFIG, Type.BOOLEAN, null, Importance.LOW,
                        "Confluent: a SQL Server setting. Accepted and ignored.", GROUP, ++order, Width.SHORT,
                        "SQL Server merge hold lock");
    }

    /** Logs each Confluent key that was set but changes nothing, once at connector start. */
    static void logIgnored(AbstractConfig config) {
        IGNORED.forEach((key, why) -> {
            Object value = config.originals().get(key);
            if (value != null) {
                log.info("{}={} (a Confluent JDBC sink setting) is accepted and ignored: {}", key, value, why);
            }
        });
    }

    private static void checkDialect(String name, Object value) {
        if (value != null && !value.toString().isBlank() && !POSTGRES_DIALECT.equalsIgnoreCase(value.toString().trim())) {
            throw new ConfigException(name, value, "tablestream writes to PostgreSQL only; remove " + name
                    + " or set it to " + POSTGRES_DIALECT);
        }
    }

    private static void checkTableTypes(String name, Object value) {
        if (value instanceof List<?> types && types.stream()
                .anyMatch(t -> !TABLE.equals(t.toString().trim().toUpperCase(Locale.ROOT)))) {
            throw new ConfigException(name, value, "the sink is built for tables (COPY cannot write into a view);"
                    + " remove " + name + " or set it to " + TABLE);
        }
    }
}
