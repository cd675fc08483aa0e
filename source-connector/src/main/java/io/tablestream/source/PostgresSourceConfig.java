package io.tablestream.source;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.OneOf;
import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

import java.util.List;
import java.util.Map;

/** Settings of the source connector, named as in Confluent's JDBC source where the meaning is the same. */
public class PostgresSourceConfig extends AbstractConfig {

    private static final String TABLES_GROUP = "Tables";
    private static final String MODE_GROUP = "Mode";
    private static final String CONNECTOR_GROUP = "Connector";

    public static final String TABLE_INCLUDE_LIST_CONFIG = "table.include.list";
    private static final String TABLE_INCLUDE_LIST_DOC =
            "Comma-separated tables to capture, e.g. orders,customers or sales.orders; bare names are in schema public.";

    public static final String MODE_CONFIG = "mode";
    private static final String MODE_DOC = "How new and changed rows are found: " + Mode.names()
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

    /** Set by the connector for each task: the tables that task polls. */
    public static final String TASK_TABLES_CONFIG = "task.tables";

    public static final ConfigDef CONFIG_DEF = configDef();

    private static ConfigDef configDef() {
        ConfigDef def = ConnectionConfig.define(new ConfigDef());
        int order = 0;
        def.define(TABLE_INCLUDE_LIST_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString() {
                    @Override
                    public void ensureValid(String name, Object value) {
                        if (value instanceof List<?> list && list.isEmpty()) {
                            throw new ConfigException(name, value, "List at least one table, e.g. orders,customers");
                        }
                    }

                    @Override
                    public String toString() {
                        return "comma-separated table names";
                    }
                }, Importance.HIGH, TABLE_INCLUDE_LIST_DOC, TABLES_GROUP, ++order, Width.LONG, "Tables");
        order = 0;
        def.define(MODE_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                        OneOf.of(Mode.configValues()), Importance.HIGH, MODE_DOC,
                        MODE_GROUP, ++order, Width.MEDIUM, "Mode")
                .define(INCREMENTING_COLUMN_NAME_CONFIG, Type.STRING, "", Importance.MEDIUM,
                        INCREMENTING_COLUMN_NAME_DOC, MODE_GROUP, ++order, Width.MEDIUM, "Incrementing column")
                .define(TIMESTAMP_COLUMN_NAME_CONFIG, Type.STRING, "", Importance.MEDIUM,
                        TIMESTAMP_COLUMN_NAME_DOC, MODE_GROUP, ++order, Width.MEDIUM, "Timestamp column");
        order = 0;
        def.define(TOPIC_PREFIX_CONFIG, Type.STRING, "", Importance.HIGH, TOPIC_PREFIX_DOC,
                        CONNECTOR_GROUP, ++order, Width.MEDIUM, "Topic prefix")
                .define(POLL_INTERVAL_MS_CONFIG, Type.INT, 5000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        POLL_INTERVAL_MS_DOC, CONNECTOR_GROUP, ++order, Width.SHORT, "Poll interval (ms)")
                .define(BATCH_MAX_ROWS_CONFIG, Type.INT, 100, ConfigDef.Range.atLeast(1), Importance.LOW,
                        BATCH_MAX_ROWS_DOC, CONNECTOR_GROUP, ++order, Width.SHORT, "Max rows per batch")
                .defineInternal(TASK_TABLES_CONFIG, Type.LIST, "", Importance.LOW);
        return io.tablestream.source.cdc.CdcConfig.define(def);
    }

    public PostgresSourceConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        for (String key : List.of(INCREMENTING_COLUMN_NAME_CONFIG, TIMESTAMP_COLUMN_NAME_CONFIG)) {
            String problem = missingModeColumn(mode(), key, getString(key));
            if (problem != null) {
                throw new ConfigException(key, getString(key), problem);
            }
        }
    }

    /** The error for a column the mode needs but the user left empty, or null when the field is fine. */
    static String missingModeColumn(Mode mode, String key, String value) {
        boolean empty = value == null || value.isBlank();
        if (key.equals(INCREMENTING_COLUMN_NAME_CONFIG) && mode.usesIncrementing() && empty) {
            return "mode=" + mode.configValue() + " needs the name of a strictly increasing column, e.g. id";
        }
        if (key.equals(TIMESTAMP_COLUMN_NAME_CONFIG) && mode.usesTimestamp() && empty) {
            return "mode=" + mode.configValue() + " needs the name of a timestamp column set on insert and update, e.g. updated_at";
        }
        return null;
    }

    public Mode mode() {
        return Mode.fromConfig(getString(MODE_CONFIG));
    }

    public String incrementingColumn() {
        return getString(INCREMENTING_COLUMN_NAME_CONFIG).trim();
    }

    public String timestampColumn() {
        return getString(TIMESTAMP_COLUMN_NAME_CONFIG).trim();
    }

    public List<TableId> includedTables() {
        return getList(TABLE_INCLUDE_LIST_CONFIG).stream().map(String::trim).filter(s -> !s.isEmpty()).map(TableId::parse).toList();
    }

    /** The tables this task polls (the connector sets them); all included tables when unset. */
    public List<TableId> taskTables() {
        List<String> assigned = getList(TASK_TABLES_CONFIG);
        return assigned.isEmpty() ? includedTables() : assigned.stream().map(TableId::parse).toList();
    }

    public String topicFor(TableId table) {
        return getString(TOPIC_PREFIX_CONFIG) + table.shortName();
    }

    public int pollIntervalMs() {
        return getInt(POLL_INTERVAL_MS_CONFIG);
    }

    public int batchMaxRows() {
        return getInt(BATCH_MAX_ROWS_CONFIG);
    }
}
