package io.tablestream.sink;

import io.tablestream.jdbc.ConfigEnum;
import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.ListAlias;
import io.tablestream.jdbc.RetryPolicy;
import io.tablestream.jdbc.TimeZoneValidator;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

import java.time.ZoneId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sink's settings, named as in Confluent's JDBC sink so existing configs read the same. */
public final class PostgresSinkConfig extends AbstractConfig {

    public static final String TOPIC_PLACEHOLDER = "${topic}";

    private static final String WRITES_GROUP = "Writes";
    private static final String DATA_MAPPING_GROUP = "Data Mapping";
    private static final String DDL_GROUP = "DDL Support";
    private static final String DELIVERY_GROUP = "Delivery";

    public static final String INSERT_MODE_CONFIG = "insert.mode";
    private static final String INSERT_MODE_DOC = "How records are written. 'insert': plain INSERT, a duplicate key "
            + "fails the task. 'upsert': INSERT ... ON CONFLICT (primary key) DO UPDATE, so replayed records overwrite "
            + "their rows. 'update': UPDATE of existing rows by primary key; records without a row change nothing. "
            + "upsert and update need a primary key (pk.mode other than none).";
    public static final String WRITE_METHOD_CONFIG = "write.method";
    private static final String WRITE_METHOD_DOC = "'copy': stream each chunk with PostgreSQL COPY, straight into the "
            + "table for insert.mode=insert, else into a temporary staging table followed by one INSERT ... SELECT "
            + "... ON CONFLICT, UPDATE ... FROM or DELETE ... USING in the same transaction (an upsert first tries "
            + "COPY into the table, kept only when every key is new). 'batch': a JDBC batch of single-row statements.";
    public static final String DELETE_ENABLED_CONFIG = "delete.enabled";
    private static final String DELETE_ENABLED_DOC = "Delete the row of the record's key for a delete in any form CDC "
            + "sources write: a tombstone (null value), a record with header op=d, a change envelope with op=d, or a "
            + "row whose __deleted field is \"true\". Needs pk.mode=record_key. When false, such records are skipped, "
            + "never written as rows.";
    public static final String UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG = "unavailable.value.placeholder";
    private static final String UNAVAILABLE_VALUE_PLACEHOLDER_DOC = "The value Debezium's source connector writes, "
            + "under its setting of the same name, for a column an update did not carry (an unchanged TOASTed "
            + "value). A field of an update holding it in any of Debezium's forms (text, its UTF-8 bytes, a "
            + "one-element array, the bytes as an int[] or bigint[], the hstore map or JSON object {placeholder: "
            + "placeholder}, the uuid[] of its name-based UUID, Debezium's placeholder geometry, geography or point) "
            + "is left as it is in the table, like a column the header unavailable.columns names. Creates and "
            + "snapshot reads are written as they are; a flattened record without Debezium's __op header or field is "
            + "looked at like an update; a key column holding it fails the task. Empty: no value is read as "
            + "unavailable.";
    public static final String DB_TIMEZONE_CONFIG = "db.timezone";
    private static final String DB_TIMEZONE_DOC = "The time zone of wall-clock times (timestamp without time zone), as "
            + "in Confluent's JDBC sink, e.g. Europe/Berlin: a wall-clock value (Debezium's Timestamp, MicroTimestamp, "
            + "NanoTimestamp, our source's timestamp) written into a timestamptz column is taken as a time in this "
            + "zone, and an instant (Connect's Timestamp) written into a timestamp column becomes this zone's wall "
            + "clock. Set it to the source's db.timezone (or the source database's zone) when those differ from UTC.";
    public static final String BATCH_SIZE_CONFIG = "batch.size";
    private static final String BATCH_SIZE_DOC = "Most records written to one table in one database transaction; "
            + "records are buffered across put calls up to this many (at most 200 ms while records keep coming).";

    public static final String TABLE_NAME_FORMAT_CONFIG = "table.name.format";
    private static final String TABLE_NAME_FORMAT_DOC = "Target table for a record; " + TOPIC_PLACEHOLDER
            + " is replaced by the topic name, ${source.schema} and ${source.table} by the table a change envelope's "
            + "source block names. May be schema-qualified (sales.${topic}); a bare name goes to the public schema. "
            + "${topic} alone writes a Debezium topic <prefix>.<schema>.<table> to <schema>.<table>. Any other name "
            + "is split at its first dot unless quoted: \"${topic}\" keeps dots of topic names.";
    public static final String QUOTE_SQL_IDENTIFIERS_CONFIG = "quote.sql.identifiers";
    private static final String QUOTE_SQL_IDENTIFIERS_DOC = "'always': double-quote every table and column name in "
            + "SQL, so mixed case, spaces and reserved words are kept as written. 'never': write names unquoted; a "
            + "name that would then change meaning (upper case letters, which PostgreSQL folds, characters outside "
            + "a-z 0-9 _ $, a reserved word) fails the task with an error naming it.";
    public static final String PK_MODE_CONFIG = "pk.mode";
    private static final String PK_MODE_DOC = "Where the primary key columns come from. 'none': no key. 'kafka': the "
            + "record's topic, partition and offset (columns __connect_topic, __connect_partition, __connect_offset, "
            + "or the three names in pk.fields). 'record_key': the record key (all fields of a Struct key, or one "
            + "column named by pk.fields for a primitive key). 'record_value': the value fields listed in pk.fields.";
    public static final String PK_FIELDS_CONFIG = "pk.fields";
    private static final String PK_FIELDS_DOC = "Primary key column names. record_key with a Struct key: the key fields "
            + "to use (empty = all). record_key with a primitive key: the one column name (required). record_value: "
            + "the value fields forming the key (required). kafka: empty for __connect_topic, __connect_partition, "
            + "__connect_offset, or three names for those columns.";

    public static final String FIELDS_INCLUDE_LIST_CONFIG = "fields.include.list";
    public static final String FIELDS_WHITELIST_CONFIG = "fields.whitelist";
    private static final String FIELDS_INCLUDE_LIST_DOC = "Value fields to write; empty means all. Key columns are "
            + "always written. Alias: " + FIELDS_WHITELIST_CONFIG + ".";
    private static final String FIELDS_WHITELIST_DOC = "Deprecated alias of " + FIELDS_INCLUDE_LIST_CONFIG
            + "; setting both with different fields is an error.";
    static final ListAlias FIELDS_ALIAS = new ListAlias(FIELDS_INCLUDE_LIST_CONFIG, FIELDS_WHITELIST_CONFIG);

    public static final String AUTO_CREATE_CONFIG = "auto.create";
    private static final String AUTO_CREATE_DOC = "Create a missing table (CREATE TABLE IF NOT EXISTS) from the record "
            + "schema, with a PRIMARY KEY on the pk.mode columns.";

    public static final String AUTO_EVOLVE_CONFIG = "auto.evolve";
    private static final String AUTO_EVOLVE_DOC = "Add a column for a record field the table lacks (nullable), and "
            + "widen a column when a field needs more room (smallint -> integer -> bigint, real -> double precision, "
            + "varchar(n) -> text). Never drops or narrows a column.";

    public static final String EXACTLY_ONCE_CONFIG = "exactly.once";
    private static final String EXACTLY_ONCE_DOC = "Store the last written offset of each topic partition in "
            + "offsets.table.name, in the same transaction as the rows, and resume from it: every record is written "
            + "exactly once across crashes, rebalances and restarts. When false, delivery is at least once.";
    public static final String OFFSETS_TABLE_NAME_CONFIG = "offsets.table.name";
    private static final String OFFSETS_TABLE_NAME_DOC = "Table holding the written offsets when exactly.once=true; "
            + "created if missing. May be schema-qualified.";
    public static final String MAX_RETRIES_CONFIG = "max.retries";
    private static final String MAX_RETRIES_DOC = "How many times in a row a transient database error (connection "
            + "loss, serialization failure, deadlock, shutdown, out of resources) is retried before the task fails.";
    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    private static final String RETRY_BACKOFF_MS_DOC = "Wait before retrying after a transient database error, in "
            + "milliseconds.";

    public static final ConfigDef CONFIG_DEF =
            ConfluentSinkKeys.define(define(ConnectionConfig.define(new ConfigDef())));

    private final InsertMode insertMode;
    private final PkMode pkMode;
    private final WriteMethod writeMethod;
    private final QuoteIdentifiers quoteIdentifiers;

    /** Parses and checks the settings, cross-field rules included; a {@link ConfigException} names the key at fault. */
    public PostgresSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        insertMode = ConfigEnum.parse(InsertMode.class, getString(INSERT_MODE_CONFIG));
        pkMode = ConfigEnum.parse(PkMode.class, getString(PK_MODE_CONFIG));
        writeMethod = ConfigEnum.parse(WriteMethod.class, getString(WRITE_METHOD_CONFIG));
        quoteIdentifiers = ConfigEnum.parse(QuoteIdentifiers.class, getString(QUOTE_SQL_IDENTIFIERS_CONFIG));
        FIELDS_ALIAS.value(this);
        Map<String, String> problems = crossFieldProblems(insertMode, pkMode, pkFields(),
                getBoolean(DELETE_ENABLED_CONFIG));
        if (!problems.isEmpty()) {
            Map.Entry<String, String> first = problems.entrySet().iterator().next();
            throw new ConfigException(first.getKey(), originals().get(first.getKey()), first.getValue());
        }
    }

    private static ConfigDef define(ConfigDef def) {
        int writes = 0;
        int mapping = 0;
        int ddl = 0;
        int delivery = 0;
        ConfigEnum.define(def, INSERT_MODE_CONFIG, InsertMode.class, InsertMode.INSERT, Importance.HIGH,
                INSERT_MODE_DOC, WRITES_GROUP, ++writes, Width.SHORT, "Insert mode");
        ConfigEnum.define(def, WRITE_METHOD_CONFIG, WriteMethod.class, WriteMethod.COPY, Importance.MEDIUM,
                WRITE_METHOD_DOC, WRITES_GROUP, ++writes, Width.SHORT, "Write method");
        def.define(DELETE_ENABLED_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, DELETE_ENABLED_DOC,
                        WRITES_GROUP, ++writes, Width.SHORT, "Enable deletes")
                .define(UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG, Type.STRING, "__debezium_unavailable_value",
                        Importance.LOW, UNAVAILABLE_VALUE_PLACEHOLDER_DOC, WRITES_GROUP, ++writes, Width.MEDIUM,
                        "Unavailable value placeholder")
                .define(BATCH_SIZE_CONFIG, Type.INT, 3000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        BATCH_SIZE_DOC, WRITES_GROUP, ++writes, Width.SHORT, "Batch size")
                .define(TABLE_NAME_FORMAT_CONFIG, Type.STRING, TOPIC_PLACEHOLDER, new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM, TABLE_NAME_FORMAT_DOC, DATA_MAPPING_GROUP, ++mapping, Width.LONG,
                        "Table name format")
                .define(DB_TIMEZONE_CONFIG, Type.STRING, "UTC", new TimeZoneValidator(), Importance.MEDIUM,
                        DB_TIMEZONE_DOC, DATA_MAPPING_GROUP, ++mapping, Width.MEDIUM, "Database time zone");
        ConfigEnum.define(def, QUOTE_SQL_IDENTIFIERS_CONFIG, QuoteIdentifiers.class, QuoteIdentifiers.ALWAYS,
                Importance.LOW, QUOTE_SQL_IDENTIFIERS_DOC, DATA_MAPPING_GROUP, ++mapping, Width.SHORT,
                "Quote SQL identifiers");
        ConfigEnum.define(def, PK_MODE_CONFIG, PkMode.class, PkMode.NONE, Importance.HIGH, PK_MODE_DOC,
                DATA_MAPPING_GROUP, ++mapping, Width.MEDIUM, "Primary key mode");
        return def.define(PK_FIELDS_CONFIG, Type.LIST, Collections.emptyList(), Importance.MEDIUM, PK_FIELDS_DOC,
                        DATA_MAPPING_GROUP, ++mapping, Width.LONG, "Primary key fields")
                .define(FIELDS_INCLUDE_LIST_CONFIG, Type.LIST, Collections.emptyList(), Importance.MEDIUM,
                        FIELDS_INCLUDE_LIST_DOC, DATA_MAPPING_GROUP, ++mapping, Width.LONG, "Fields to write")
                .define(FIELDS_WHITELIST_CONFIG, Type.LIST, Collections.emptyList(), Importance.LOW,
                        FIELDS_WHITELIST_DOC, DATA_MAPPING_GROUP, ++mapping, Width.LONG, "Fields to write (alias)")
                .define(AUTO_CREATE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, AUTO_CREATE_DOC, DDL_GROUP,
                        ++ddl, Width.SHORT, "Auto-create tables")
                .define(AUTO_EVOLVE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, AUTO_EVOLVE_DOC, DDL_GROUP,
                        ++ddl, Width.SHORT, "Auto-evolve tables")
                .define(EXACTLY_ONCE_CONFIG, Type.BOOLEAN, true, Importance.HIGH, EXACTLY_ONCE_DOC, DELIVERY_GROUP,
                        ++delivery, Width.SHORT, "Exactly once")
                .define(OFFSETS_TABLE_NAME_CONFIG, Type.STRING, "tablestream_sink_offsets",
                        new ConfigDef.NonEmptyString(), Importance.LOW, OFFSETS_TABLE_NAME_DOC, DELIVERY_GROUP,
                        ++delivery, Width.MEDIUM, "Offsets table")
                .define(MAX_RETRIES_CONFIG, Type.INT, 10, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        MAX_RETRIES_DOC, DELIVERY_GROUP, ++delivery, Width.SHORT, "Maximum retries")
                .define(RETRY_BACKOFF_MS_CONFIG, Type.LONG, 3000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        RETRY_BACKOFF_MS_DOC, DELIVERY_GROUP, ++delivery, Width.SHORT, "Retry backoff (ms)");
    }

    /** {@code db.timezone}: the zone of wall-clock times. */
    public ZoneId dbTimeZone() {
        return ZoneId.of(getString(DB_TIMEZONE_CONFIG).trim());
    }

    /**
     * The rules that involve more than one key, as config key to error message; empty when the settings fit together.
     * The connector's validate() pins each message to its key; the task's constructor throws for the first.
     */
    static Map<String, String> crossFieldProblems(InsertMode insertMode, PkMode pkMode, List<String> pkFields,
                                                  boolean deleteEnabled) {
        Map<String, String> problems = new LinkedHashMap<>();
        if (insertMode != InsertMode.INSERT && pkMode == PkMode.NONE) {
            problems.put(INSERT_MODE_CONFIG, "insert.mode=" + insertMode.configValue() + " needs a primary key to find"
                    + " rows: set " + PK_MODE_CONFIG + " to " + PkMode.RECORD_KEY.configValue() + ", "
                    + PkMode.RECORD_VALUE.configValue() + " or " + PkMode.KAFKA.configValue());
        }
        if (deleteEnabled && pkMode != PkMode.RECORD_KEY) {
            problems.put(DELETE_ENABLED_CONFIG, DELETE_ENABLED_CONFIG + "=true deletes rows by the record key: set "
                    + PK_MODE_CONFIG + "=" + PkMode.RECORD_KEY.configValue());
        }
        if (pkMode == PkMode.KAFKA && !pkFields.isEmpty() && pkFields.size() != ColumnMapping.KAFKA_COLUMNS.size()) {
            problems.put(PK_FIELDS_CONFIG, "pk.mode=kafka takes no " + PK_FIELDS_CONFIG + " (the key columns are "
                    + String.join(", ", ColumnMapping.KAFKA_COLUMNS) + ") or exactly three names for the topic, "
                    + "partition and offset columns, e.g. pk.fields=kafka_topic,kafka_partition,kafka_offset; it has "
                    + pkFields.size() + ": " + pkFields);
        }
        if (pkMode == PkMode.RECORD_VALUE && pkFields.isEmpty()) {
            problems.put(PK_FIELDS_CONFIG, "pk.mode=record_value needs " + PK_FIELDS_CONFIG
                    + ": list the value fields that form the primary key, e.g. pk.fields=id");
        }
        return problems;
    }

    public InsertMode insertMode() {
        return insertMode;
    }

    public PkMode pkMode() {
        return pkMode;
    }

    public List<String> pkFields() {
        return getList(PK_FIELDS_CONFIG);
    }

    public WriteMethod writeMethod() {
        return writeMethod;
    }

    public QuoteIdentifiers quoteIdentifiers() {
        return quoteIdentifiers;
    }

    public boolean deleteEnabled() {
        return getBoolean(DELETE_ENABLED_CONFIG);
    }

    /** The unavailable-value placeholder; empty when none is recognised. */
    public String unavailableValuePlaceholder() {
        return getString(UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG);
    }

    /** fields.include.list, or its alias fields.whitelist ({@link ListAlias}); empty means every field. */
    public List<String> fieldsIncludeList() {
        return FIELDS_ALIAS.value(this);
    }

    public boolean autoEvolve() {
        return getBoolean(AUTO_EVOLVE_CONFIG);
    }

    public boolean exactlyOnce() {
        return getBoolean(EXACTLY_ONCE_CONFIG);
    }

    public String offsetsTableName() {
        return getString(OFFSETS_TABLE_NAME_CONFIG);
    }

    public int maxRetries() {
        return getInt(MAX_RETRIES_CONFIG);
    }

    public String tableNameFormat() {
        return getString(TABLE_NAME_FORMAT_CONFIG);
    }

    public boolean autoCreate() {
        return getBoolean(AUTO_CREATE_CONFIG);
    }

    public int batchSize() {
        return getInt(BATCH_SIZE_CONFIG);
    }

    /** How long Connect waits before redelivering records after a transient database error. */
    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS_CONFIG);
    }

    /** max.retries and retry.backoff.ms as the policy every task of the project retries by. */
    public RetryPolicy retryPolicy() {
        return RetryPolicy.ofRetries(maxRetries(), retryBackoffMs());
    }
}
