package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.Version;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import io.tablestream.source.cdc.CdcSourceTask;
import io.tablestream.source.cdc.CdcValidation;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.util.ConnectorUtils;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Imports PostgreSQL table changes into Kafka topics, one topic per table. */
public class PostgresSourceConnector extends SourceConnector {

    private Map<String, String> props;
    private PostgresSourceConfig config;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
        this.config = new PostgresSourceConfig(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return config.mode() == Mode.CDC ? CdcSourceTask.class : PostgresSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        if (config.mode() == Mode.CDC) {
            return List.of(props); // one slot, one ordered stream, one task
        }
        List<TableId> tables = config.includedTables();
        List<Map<String, String>> configs = new ArrayList<>();
        for (List<TableId> group : ConnectorUtils.groupPartitions(tables, Math.min(maxTasks, tables.size()))) {
            Map<String, String> task = new HashMap<>(props);
            task.put(PostgresSourceConfig.TASK_TABLES_CONFIG,
                    group.stream().map(TableId::quoted).collect(Collectors.joining(",")));
            configs.add(task);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return PostgresSourceConfig.CONFIG_DEF;
    }

    /** Beyond each field's own checks, pins the mode's required columns to their fields. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = result.configValues().stream()
                .collect(Collectors.toMap(ConfigValue::name, v -> v));
        ConfigValue mode = values.get(PostgresSourceConfig.MODE_CONFIG);
        if (mode == null || !mode.errorMessages().isEmpty() || mode.value() == null) {
            return result;
        }
        Mode chosen = Mode.fromConfig(mode.value().toString());
        if (chosen == Mode.CDC) {
            CdcValidation.check(values);
        }
        for (String key : List.of(PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG,
                PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG)) {
            ConfigValue field = values.get(key);
            String problem = PostgresSourceConfig.missingModeColumn(chosen, key, (String) field.value());
            if (problem != null) {
                field.addErrorMessage(key + ": " + problem);
            }
        }
        return result;
    }

    /** Offsets are committed with the records in one Kafka transaction; every mode resumes from exact positions. */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    /** In mode=cdc, with transaction.boundary=connector, each database transaction is one Kafka transaction. */
    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> connectorConfig) {
        return Mode.CDC.configValue().equals(connectorConfig.get(PostgresSourceConfig.MODE_CONFIG))
                ? ConnectorTransactionBoundaries.SUPPORTED : ConnectorTransactionBoundaries.UNSUPPORTED;
    }

    /** Lets users reset (null) or move a table's offset with PATCH /connectors/{name}/offsets. */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<Map<String, ?>, Map<String, ?>> offsets) {
        for (Map.Entry<Map<String, ?>, Map<String, ?>> entry : offsets.entrySet()) {
            Object table = entry.getKey().get(TableOffset.TABLE_PARTITION_KEY);
            if (!(table instanceof String name) || name.isBlank()) {
                throw new ConfigException("Source partition " + entry.getKey() + " must be {\"table\": \"<schema>.<table>\"}");
            }
            TableOffset.fromMap(entry.getValue()); // throws with the expected shape when malformed
        }
        return true;
    }
}
