package io.tablestream.sink;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.OneOf;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

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

    public static final String INSERT_MODE_CONFIG = "insert.mode";
    private static final String INSERT_MODE_DOC = "How records are written. 'insert': plain INSERT, a duplicate key "
            + "fails the task. 'upsert': INSERT ... ON CONFLICT (primary key) DO UPDATE, so replayed records overwrite "
            + "their rows; needs pk.mode record_key or record_value.";
    public static final String BATCH_SIZE_CONFIG = "batch.size";
    private static final String BATCH_SIZE_DOC = "Most records written to one table in one database transaction.";

    public static final String TABLE_NAME_FORMAT_CONFIG = "table.name.format";
    private static final String TABLE_NAME_FORMAT_DOC = "Target table for a topic; " + TOPIC_PLACEHOLDER
            + " is replaced by the topic name. May be schema-qualified (sales.${topic}); a bare name goes to the "
            + "public schema. The name is split at its first dot unless quoted: \"${topic}\" keeps dots of topic names.";
    public static final String PK_MODE_CONFIG = "pk.mode";
    private static final String PK_MODE_DOC = "Where the primary key columns come from. 'none': no key. 'record_key': "
            + "the record key (all fields of a Struct key, or one column named by pk.fields for a primitive key). "
            + "'record_value': the value fields listed in pk.fields.";
    public static final String PK_FIELDS_CONFIG = "pk.fields";
    private static final String PK_FIELDS_DOC = "Primary key column names. record_key with a Struct key: the key fields "
            + "to use (empty = all). record_key with a primitive key: the one column name (required). record_value: "
            + "the value fields forming the key (required).";

    public static final String AUTO_CREATE_CONFIG = "auto.create";
    private static final String AUTO_CREATE_DOC = "Create a missing table (CREATE TABLE IF NOT EXISTS) from the record "
            + "schema, with a PRIMARY KEY on the pk.mode columns.";

    public static final ConfigDef CONFIG_DEF = define(ConnectionConfig.define(new ConfigDef()));

    private final InsertMode insertMode;
    private final PkMode pkMode;

    /** Parses and checks the settings, cross-field rules included; a {@link ConfigException} names the key at fault. */
    public PostgresSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        insertMode = InsertMode.parse(getString(INSERT_MODE_CONFIG));
        pkMode = PkMode.parse(getString(PK_MODE_CONFIG));
        Map<String, String> problems = crossFieldProblems(insertMode, pkMode, pkFields());
        if (!problems.isEmpty()) {
            Map.Entry<String, String> first = problems.entrySet().iterator().next();
            throw new ConfigException(first.getKey(), originals().get(first.getKey()), first.getValue());
        }
    }

    private static ConfigDef define(ConfigDef def) {
        int writes = 0;
        int mapping = 0;
        int ddl = 0;
        return def
                .define(INSERT_MODE_CONFIG, Type.STRING, InsertMode.INSERT.toString(),
                        OneOf.of(InsertMode.configValues()), Importance.HIGH,
                        INSERT_MODE_DOC, WRITES_GROUP, ++writes, Width.SHORT, "Insert mode")
                .define(BATCH_SIZE_CONFIG, Type.INT, 3000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        BATCH_SIZE_DOC, WRITES_GROUP, ++writes, Width.SHORT, "Batch size")
                .define(TABLE_NAME_FORMAT_CONFIG, Type.STRING, TOPIC_PLACEHOLDER, new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM, TABLE_NAME_FORMAT_DOC, DATA_MAPPING_GROUP, ++mapping, Width.LONG,
                        "Table name format")
                .define(PK_MODE_CONFIG, Type.STRING, PkMode.NONE.toString(),
                        OneOf.of(PkMode.configValues()), Importance.HIGH, PK_MODE_DOC,
                        DATA_MAPPING_GROUP, ++mapping, Width.MEDIUM, "Primary key mode")
                .define(PK_FIELDS_CONFIG, Type.LIST, Collections.emptyList(), Importance.MEDIUM, PK_FIELDS_DOC,
                        DATA_MAPPING_GROUP, ++mapping, Width.LONG, "Primary key fields")
                .define(AUTO_CREATE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, AUTO_CREATE_DOC, DDL_GROUP,
                        ++ddl, Width.SHORT, "Auto-create tables");
    }

    /**
     * The rules that involve more than one key, as config key to error message; empty when the settings fit together.
     * The connector's validate() pins each message to its key; the task's constructor throws for the first.
     */
    static Map<String, String> crossFieldProblems(InsertMode insertMode, PkMode pkMode, List<String> pkFields) {
        Map<String, String> problems = new LinkedHashMap<>();
        if (insertMode == InsertMode.UPSERT && pkMode == PkMode.NONE) {
            problems.put(INSERT_MODE_CONFIG, "insert.mode=upsert needs a primary key to detect conflicts: set "
                    + PK_MODE_CONFIG + " to " + PkMode.RECORD_KEY + " or " + PkMode.RECORD_VALUE);
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
        return getLong(ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG);
    }
}
