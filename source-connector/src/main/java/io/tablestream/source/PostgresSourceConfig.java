package io.tablestream.source;

import io.tablestream.jdbc.ConfigEnum;
import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.TimeZoneValidator;
import io.tablestream.jdbc.ListAlias;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.NumericMapping;
import io.tablestream.jdbc.types.PgTypeOptions;
import io.tablestream.jdbc.types.TimePrecisionMode;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/** Settings of the source connector, named as in Confluent's JDBC source where the meaning is the same. */
public class PostgresSourceConfig extends AbstractConfig {

    private static final String TABLES_GROUP = "Tables";
    private static final String MODE_GROUP = "Mode";
    private static final String CONNECTOR_GROUP = "Connector";

    public static final String TABLE_INCLUDE_LIST_CONFIG = "table.include.list";
    private static final String TABLE_INCLUDE_LIST_DOC =
            "Comma-separated tables to capture: names (orders, sales.orders, \"Mixed Case\") or regular expressions"
            + " matched against schema.table and, for tables in public, against the bare name (e.g. sales\\..*)."
            + " Empty: every table allowed by schema.pattern and table.types.";
    public static final String TABLE_EXCLUDE_LIST_CONFIG = "table.exclude.list";
    private static final String TABLE_EXCLUDE_LIST_DOC =
            "Comma-separated names or regular expressions of tables to leave out, matched like table.include.list.";
    public static final String TABLE_WHITELIST_CONFIG = "table.whitelist";
    public static final String TABLE_BLACKLIST_CONFIG = "table.blacklist";
    private static final String ALIAS_DOC = "Alias of %s (Confluent's older name); setting both with different"
            + " entries is an error.";
    static final ListAlias INCLUDE_ALIAS = new ListAlias(TABLE_INCLUDE_LIST_CONFIG, TABLE_WHITELIST_CONFIG);
    static final ListAlias EXCLUDE_ALIAS = new ListAlias(TABLE_EXCLUDE_LIST_CONFIG, TABLE_BLACKLIST_CONFIG);
    public static final String SCHEMA_PATTERN_CONFIG = "schema.pattern";
    private static final String SCHEMA_PATTERN_DOC =
            "SQL LIKE pattern of the schemas to look for tables in (e.g. sales or sales%); empty: every schema except"
            + " pg_catalog, information_schema and pg_toast.";
    public static final String TABLE_TYPES_CONFIG = "table.types";
    private static final String TABLE_TYPES_DOC =
            "Kinds of relations to capture: TABLE, VIEW, MATERIALIZED VIEW, PARTITIONED TABLE.";
    public static final String TABLE_POLL_INTERVAL_MS_CONFIG = "table.poll.interval.ms";
    private static final String TABLE_POLL_INTERVAL_MS_DOC =
            "How often the connector re-reads the catalog for tables that appeared or disappeared, in milliseconds.";

    public static final String MODE_CONFIG = "mode";
    private static final String MODE_DOC = "How new and changed rows are found: " + ConfigEnum.list(Mode.class)
            + ". incrementing needs a strictly increasing column (e.g. a serial id) and sees inserts only; timestamp"
            + " needs a column set on every insert and update; timestamp+incrementing needs both and is the most"
            + " precise.";
    public static final String INCREMENTING_COLUMN_NAME_CONFIG = "incrementing.column.name";
    private static final String INCREMENTING_COLUMN_NAME_DOC =
            "Strictly increasing, non-null column (e.g. a bigserial primary key) used by incrementing modes.";
    public static final String TIMESTAMP_COLUMN_NAME_CONFIG = "timestamp.column.name";
    private static final String TIMESTAMP_COLUMN_NAME_DOC =
            "timestamp or timestamptz column set on every insert and update, used by timestamp modes.";

    public static final String TOPIC_PREFIX_CONFIG = "topic.prefix";
    private static final String TOPIC_PREFIX_DOC =
            "Prefix of every topic name: a table's rows go to <topic.prefix><table> (<topic.prefix><schema>.<table> outside schema public).";
    public static final String POLL_INTERVAL_MS_CONFIG = "poll.interval.ms";
    private static final String POLL_INTERVAL_MS_DOC = "How often each table is queried for new rows, in milliseconds.";
    public static final String BATCH_MAX_ROWS_CONFIG = "batch.max.rows";
    private static final String BATCH_MAX_ROWS_DOC =
            "Most rows read from one table in one poll; rows stream through a cursor, never a whole table in memory.";

    public static final String QUERY_CONFIG = "query";
    private static final String QUERY_DOC =
            "mode=query: the SELECT to run on every poll; all its rows go to the topic named topic.prefix. With"
            + " incrementing, timestamp or timestamp+incrementing: read instead of tables, as a subselect filtered and"
            + " ordered by the mode's columns, into the topic named topic.prefix.";
    public static final String QUERY_SUFFIX_CONFIG = "query.suffix";
    private static final String QUERY_SUFFIX_DOC = "Text appended to every query the connector runs, e.g. a locking clause.";
    public static final String TIMESTAMP_INITIAL_CONFIG = "timestamp.initial";
    private static final String TIMESTAMP_INITIAL_DOC =
            "Timestamp modes, when no offset is stored: start after this time (epoch milliseconds; -1 = now)."
            + " Empty: from the first row.";
    public static final String TIMESTAMP_DELAY_INTERVAL_MS_CONFIG = "timestamp.delay.interval.ms";
    private static final String TIMESTAMP_DELAY_INTERVAL_MS_DOC =
            "Timestamp modes: read a row only once its timestamp is this much older than the database's clock.";
    public static final String VALIDATE_NON_NULL_CONFIG = "validate.non.null";
    private static final String VALIDATE_NON_NULL_DOC =
            "Require the incrementing and timestamp columns to be NOT NULL (rows where they are NULL are never read).";
    public static final String TIME_PRECISION_MODE_CONFIG = "time.precision.mode";
    private static final String TIME_PRECISION_MODE_DOC =
            "microseconds: timestamp/timestamptz/time as int64 microseconds under named schemas (no precision lost);"
            + " connect: Connect's Timestamp/Time (milliseconds).";
    public static final String NUMERIC_MAPPING_CONFIG = "numeric.mapping";
    private static final String NUMERIC_MAPPING_DOC =
            "none: numeric(p,s) as Decimal; precision_only: numeric(p,0) with p < 19 as INT16/32/64; best_fit: also"
            + " numeric(p,s) with p <= 15 as FLOAT64. Unconstrained numeric is always exact text.";
    public static final String DB_TIMEZONE_CONFIG = "db.timezone";
    private static final String DB_TIMEZONE_DOC =
            "Time zone of the values in timestamp (without time zone) columns, e.g. Europe/Berlin; used for the"
            + " timestamp-mode upper bound and for time.precision.mode=connect. Left unset, timestamp modes refuse"
            + " such a column when the database's TimeZone is another zone.";

    /** Set by the connector for each task: the tables that task polls. */
    public static final String TASK_TABLES_CONFIG = "task.tables";
    /**
     * Set by the connector for each task: the oids of its tables. Connect restarts tasks only when their configs
     * change, and a table re-created under the same name must be read anew.
     */
    public static final String TASK_TABLE_OIDS_CONFIG = "task.table.oids";

    public static final ConfigDef CONFIG_DEF = configDef();

    private static ConfigDef configDef() {
        ConfigDef def = ConnectionConfig.define(new ConfigDef());
        int order = 0;
        def.define(TABLE_INCLUDE_LIST_CONFIG, Type.LIST, "", TableSelector.PATTERN_LIST_VALIDATOR, Importance.HIGH,
                        TABLE_INCLUDE_LIST_DOC, TABLES_GROUP, ++order, Width.LONG, "Tables")
                .define(TABLE_EXCLUDE_LIST_CONFIG, Type.LIST, "", TableSelector.PATTERN_LIST_VALIDATOR, Importance.MEDIUM,
                        TABLE_EXCLUDE_LIST_DOC, TABLES_GROUP, ++order, Width.LONG, "Excluded tables")
                .define(TABLE_WHITELIST_CONFIG, Type.LIST, "", TableSelector.PATTERN_LIST_VALIDATOR, Importance.LOW,
                        ALIAS_DOC.formatted(TABLE_INCLUDE_LIST_CONFIG), TABLES_GROUP, ++order, Width.LONG, "Whitelist")
                .define(TABLE_BLACKLIST_CONFIG, Type.LIST, "", TableSelector.PATTERN_LIST_VALIDATOR, Importance.LOW,
                        ALIAS_DOC.formatted(TABLE_EXCLUDE_LIST_CONFIG), TABLES_GROUP, ++order, Width.LONG, "Blacklist")
                .define(SCHEMA_PATTERN_CONFIG, Type.STRING, "", Importance.MEDIUM, SCHEMA_PATTERN_DOC,
                        TABLES_GROUP, ++order, Width.MEDIUM, "Schema pattern")
                .define(TABLE_TYPES_CONFIG, Type.LIST, "TABLE", TableSelector.TABLE_TYPES_VALIDATOR, Importance.LOW,
                        TABLE_TYPES_DOC, TABLES_GROUP, ++order, Width.MEDIUM, "Table types")
                .define(TABLE_POLL_INTERVAL_MS_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(100), Importance.LOW,
                        TABLE_POLL_INTERVAL_MS_DOC, TABLES_GROUP, ++order, Width.SHORT, "Table poll interval (ms)");
        order = 0;
        ConfigEnum.define(def, MODE_CONFIG, Mode.class, null, Importance.HIGH, MODE_DOC, MODE_GROUP, ++order,
                Width.MEDIUM, "Mode");
        def.define(INCREMENTING_COLUMN_NAME_CONFIG, Type.STRING, "", Importance.MEDIUM,
                        INCREMENTING_COLUMN_NAME_DOC, MODE_GROUP, ++order, Width.MEDIUM, "Incrementing column")
                .define(TIMESTAMP_COLUMN_NAME_CONFIG, Type.STRING, "", Importance.MEDIUM,
                        TIMESTAMP_COLUMN_NAME_DOC, MODE_GROUP, ++order, Width.MEDIUM, "Timestamp column")
                .define(QUERY_CONFIG, Type.STRING, "", Importance.MEDIUM, QUERY_DOC,
                        MODE_GROUP, ++order, Width.LONG, "Query")
                .define(QUERY_SUFFIX_CONFIG, Type.STRING, "", Importance.LOW, QUERY_SUFFIX_DOC,
                        MODE_GROUP, ++order, Width.MEDIUM, "Query suffix")
                .define(TIMESTAMP_INITIAL_CONFIG, Type.LONG, null, Importance.LOW, TIMESTAMP_INITIAL_DOC,
                        MODE_GROUP, ++order, Width.MEDIUM, "Initial timestamp")
                .define(TIMESTAMP_DELAY_INTERVAL_MS_CONFIG, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        TIMESTAMP_DELAY_INTERVAL_MS_DOC, MODE_GROUP, ++order, Width.SHORT, "Timestamp delay (ms)")
                .define(VALIDATE_NON_NULL_CONFIG, Type.BOOLEAN, true, Importance.LOW, VALIDATE_NON_NULL_DOC,
                        MODE_GROUP, ++order, Width.SHORT, "Validate non-null");
        order = 0;
        def.define(TOPIC_PREFIX_CONFIG, Type.STRING, "", Importance.HIGH, TOPIC_PREFIX_DOC,
                        CONNECTOR_GROUP, ++order, Width.MEDIUM, "Topic prefix")
                .define(POLL_INTERVAL_MS_CONFIG, Type.INT, 5000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        POLL_INTERVAL_MS_DOC, CONNECTOR_GROUP, ++order, Width.SHORT, "Poll interval (ms)")
                .define(BATCH_MAX_ROWS_CONFIG, Type.INT, 100, ConfigDef.Range.atLeast(1), Importance.LOW,
                        BATCH_MAX_ROWS_DOC, CONNECTOR_GROUP, ++order, Width.SHORT, "Max rows per batch")
                .define(DB_TIMEZONE_CONFIG, Type.STRING, "UTC", new TimeZoneValidator(), Importance.MEDIUM,
                        DB_TIMEZONE_DOC, CONNECTOR_GROUP, ++order, Width.MEDIUM, "Database time zone");
        ConfigEnum.define(def, TIME_PRECISION_MODE_CONFIG, TimePrecisionMode.class, TimePrecisionMode.MICROSECONDS,
                Importance.MEDIUM, TIME_PRECISION_MODE_DOC, CONNECTOR_GROUP, ++order, Width.SHORT, "Time precision");
        ConfigEnum.define(def, NUMERIC_MAPPING_CONFIG, NumericMapping.class, NumericMapping.NONE, Importance.LOW,
                NUMERIC_MAPPING_DOC, CONNECTOR_GROUP, ++order, Width.SHORT, "Numeric mapping");
        def.defineInternal(TASK_TABLES_CONFIG, Type.LIST, "", Importance.LOW)
                .defineInternal(TASK_TABLE_OIDS_CONFIG, Type.LIST, "", Importance.LOW);
        return io.tablestream.source.cdc.CdcConfig.define(ConfluentKeys.define(def));
    }

    public PostgresSourceConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        INCLUDE_ALIAS.value(this);
        EXCLUDE_ALIAS.value(this);
        for (String key : List.of(INCREMENTING_COLUMN_NAME_CONFIG, TIMESTAMP_COLUMN_NAME_CONFIG, QUERY_CONFIG)) {
            String problem = modeSettingProblem(mode(), key, getString(key));
            if (problem != null) {
                throw new ConfigException(key, getString(key), problem);
            }
        }
    }

    /**
     * The error for a setting the mode needs but the user left empty, or one the mode cannot use; null when the
     * field is fine.
     */
    static String modeSettingProblem(Mode mode, String key, String value) {
        boolean empty = value == null || value.isBlank();
        if (key.equals(QUERY_CONFIG) && !empty && mode == Mode.BULK) {
            // Ignoring it would read every table instead.
            return "query is set, but mode=bulk reads tables and would not run it: set mode=query to read the"
                    + " query's rows on every poll, or remove query";
        }
        String confluentProblem = mode.usesTimestamp() ? ConfluentKeys.problem(key, value) : null;
        if (confluentProblem != null) {
            return confluentProblem;
        }
        if (key.equals(INCREMENTING_COLUMN_NAME_CONFIG) && mode.usesIncrementing() && empty) {
            return "mode=" + mode.configValue() + " needs the name of a strictly increasing column, e.g. id";
        }
        if (key.equals(TIMESTAMP_COLUMN_NAME_CONFIG) && mode.usesTimestamp() && empty) {
            return "mode=" + mode.configValue() + " needs the name of a timestamp column set on insert and update, e.g. updated_at";
        }
        if (key.equals(QUERY_CONFIG) && mode == Mode.QUERY && empty) {
            return "mode=query needs the SELECT to run, e.g. SELECT o.id, c.name FROM orders o JOIN customers c ON ...";
        }
        return null;
    }

    public Mode mode() {
        return ConfigEnum.parse(Mode.class, getString(MODE_CONFIG));
    }

    public String incrementingColumn() {
        return getString(INCREMENTING_COLUMN_NAME_CONFIG).trim();
    }

    public String timestampColumn() {
        return getString(TIMESTAMP_COLUMN_NAME_CONFIG).trim();
    }

    /** Which tables to capture, from the include/exclude lists (or their aliases), schema pattern and table types. */
    public TableSelector tableSelector() {
        return new TableSelector(INCLUDE_ALIAS.value(this), EXCLUDE_ALIAS.value(this), getString(SCHEMA_PATTERN_CONFIG),
                getList(TABLE_TYPES_CONFIG));
    }

    /** The include-list entries that name one table exactly (regular expressions need the catalog: {@link #tableSelector()}). */
    public List<TableId> includedTables() {
        return tableSelector().namedTables();
    }

    /** The tables this task polls, as the connector assigned them. */
    public List<TableId> taskTables() {
        return getList(TASK_TABLES_CONFIG).stream().map(TableId::parse).toList();
    }

    public String topicFor(TableId table) {
        return getString(TOPIC_PREFIX_CONFIG) + table.shortName();
    }

    /** mode=query: the one topic, named by the prefix. */
    public String queryTopic() {
        return getString(TOPIC_PREFIX_CONFIG);
    }

    /**
     * Whether an incremental mode reads the custom query (Confluent's query with incrementing/timestamp columns)
     * instead of tables.
     */
    public boolean pollsQuery() {
        return mode().incremental() && !getString(QUERY_CONFIG).isBlank();
    }

    public String querySuffix() {
        return getString(QUERY_SUFFIX_CONFIG).trim();
    }

    public Long timestampInitialMs() {
        return getLong(TIMESTAMP_INITIAL_CONFIG);
    }

    public long timestampDelayMs() {
        return getLong(TIMESTAMP_DELAY_INTERVAL_MS_CONFIG);
    }

    public boolean validateNonNull() {
        return getBoolean(VALIDATE_NON_NULL_CONFIG);
    }

    public long tablePollIntervalMs() {
        return getLong(TABLE_POLL_INTERVAL_MS_CONFIG);
    }

    public ZoneId dbTimeZone() {
        return ZoneId.of(getString(DB_TIMEZONE_CONFIG));
    }

    public PgTypeOptions typeOptions() {
        return new PgTypeOptions(ConfluentKeys.timePrecisionMode(this), ConfluentKeys.numericMapping(this), dbTimeZone());
    }

    public int pollIntervalMs() {
        return getInt(POLL_INTERVAL_MS_CONFIG);
    }

    public int batchMaxRows() {
        return getInt(BATCH_MAX_ROWS_CONFIG);
    }
}
