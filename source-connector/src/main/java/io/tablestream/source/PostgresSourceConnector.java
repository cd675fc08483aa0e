package io.tablestream.source;

import io.tablestream.jdbc.ConfigEnum;
import io.tablestream.jdbc.ConfigValues;
import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.Version;
import io.tablestream.source.cdc.CdcConfig;
import io.tablestream.source.cdc.CdcOffset;
import io.tablestream.source.cdc.CdcSourceTask;
import io.tablestream.source.cdc.CdcValidation;
import io.tablestream.source.cdc.PartitionedTables;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.util.ConnectorUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Imports PostgreSQL table changes into Kafka topics, one topic per table. */
public class PostgresSourceConnector extends SourceConnector {

    private static final Logger log = LoggerFactory.getLogger(PostgresSourceConnector.class);

    private Map<String, String> props;
    private PostgresSourceConfig config;
    private TableMonitor monitor;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = Map.copyOf(props);
        this.config = new PostgresSourceConfig(props);
        ConfluentKeys.logIgnored(config);
        for (String key : ModeScope.unread(config.mode(), props)) {
            log.warn(ModeScope.unreadWarning(config.mode(), key));
        }
        if (config.mode() != Mode.QUERY && !config.pollsQuery()) {
            monitor = new TableMonitor(ConnectionConfig.jdbi(config), PartitionedTables.forMode(config),
                    config.tablePollIntervalMs(), (tables, known) -> TableNameClashes.problem(config, tables, known),
                    context::requestTaskReconfiguration,
                    context::raiseError);
            monitor.start();
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return config.mode() == Mode.CDC ? CdcSourceTask.class : PostgresSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        if (config.mode() == Mode.CDC) {
            // One slot, one ordered stream, one task. It reads its tables itself; listing them (and their oids:
            // a table dropped and created again under the same name leaves the publication) here restarts it when
            // the selection changes, so it adds a new table to the publication.
            Map<String, String> task = new HashMap<>(props);
            task.put(PostgresSourceConfig.TASK_TABLES_CONFIG,
                    monitor.tables().keySet().stream().map(TableId::quoted).collect(Collectors.joining(",")));
            task.put(PostgresSourceConfig.TASK_TABLE_OIDS_CONFIG,
                    monitor.tables().values().stream().map(String::valueOf).collect(Collectors.joining(",")));
            return List.of(task);
        }
        if (config.mode() == Mode.QUERY || config.pollsQuery()) {
            return List.of(new HashMap<>(props));
        }
        Map<TableId, Long> oids = monitor.tables();
        List<TableId> tables = List.copyOf(oids.keySet());
        if (tables.isEmpty()) {
            log.warn("No table matches table.include.list/table.exclude.list, schema.pattern and table.types yet; the"
                    + " connector runs no task until one appears (the catalog is read every {} ms)",
                    config.tablePollIntervalMs());
            return List.of();
        }
        List<Map<String, String>> configs = new ArrayList<>();
        for (List<TableId> group : ConnectorUtils.groupPartitions(tables, Math.min(maxTasks, tables.size()))) {
            Map<String, String> task = new HashMap<>(props);
            task.put(PostgresSourceConfig.TASK_TABLES_CONFIG,
                    group.stream().map(TableId::quoted).collect(Collectors.joining(",")));
            task.put(PostgresSourceConfig.TASK_TABLE_OIDS_CONFIG,
                    group.stream().map(t -> String.valueOf(oids.get(t))).collect(Collectors.joining(",")));
            configs.add(task);
        }
        return configs;
    }

    @Override
    public void stop() {
        if (monitor != null) {
            monitor.stop();
            monitor = null;
        }
    }

    @Override
    public ConfigDef config() {
        return PostgresSourceConfig.CONFIG_DEF;
    }

    /**
     * Beyond each field's own checks, pins the mode's required settings to their fields and, when the config is
     * otherwise valid, checks it against the database (see {@link DatabaseChecks}).
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = ConfigValues.byName(result,
                PostgresSourceConfig.INCLUDE_ALIAS, PostgresSourceConfig.EXCLUDE_ALIAS);
        Mode chosen = ConfigValues.valid(values, PostgresSourceConfig.MODE_CONFIG, Mode.class);
        if (chosen == null) {
            return result;
        }
        values.forEach((key, value) -> value.visible(ModeScope.reads(chosen, key)));
        if (chosen == Mode.CDC) {
            CdcValidation.check(values, connectorConfigs);
        }
        for (String key : List.of(PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG,
                PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG, PostgresSourceConfig.QUERY_CONFIG)) {
            ConfigValue field = values.get(key);
            String problem = PostgresSourceConfig.modeSettingProblem(chosen, key, (String) field.value());
            if (problem != null) {
                field.addErrorMessage(key + ": " + problem);
            }
        }
        boolean staticErrors = result.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty());
        if (!staticErrors) {
            DatabaseChecks.check(new PostgresSourceConfig(connectorConfigs), values);
        }
        return result;
    }

    /**
     * SUPPORTED where a mode's offsets name an exact, replayable position (incrementing, timestamp+incrementing):
     * the worker commits them in one Kafka transaction with the records. bulk and query keep no offsets (every poll
     * re-reads), and timestamp can only resume at whole timestamp groups, so those are UNSUPPORTED. cdc offsets name
     * the end LSN of the last transaction fully written, which the slot replays from exactly: SUPPORTED.
     */
    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        String mode = connectorConfig.get(PostgresSourceConfig.MODE_CONFIG);
        if (mode == null) {
            return ExactlyOnceSupport.UNSUPPORTED;
        }
        try {
            Mode chosen = ConfigEnum.parse(Mode.class, mode);
            return chosen.usesIncrementing() || chosen == Mode.CDC
                    ? ExactlyOnceSupport.SUPPORTED : ExactlyOnceSupport.UNSUPPORTED;
        } catch (IllegalArgumentException e) {
            return ExactlyOnceSupport.UNSUPPORTED;
        }
    }

    /** In mode=cdc, with transaction.boundary=connector, each database transaction is one Kafka transaction. */
    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> connectorConfig) {
        return Mode.CDC.configValue().equals(connectorConfig.get(PostgresSourceConfig.MODE_CONFIG))
                ? ConnectorTransactionBoundaries.SUPPORTED : ConnectorTransactionBoundaries.UNSUPPORTED;
    }

    /**
     * Lets users reset (null) or move a table's offset, or in mode=cdc the slot's LSN, with
     * PATCH /connectors/{name}/offsets.
     */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<Map<String, ?>, Map<String, ?>> offsets) {
        Mode mode = ConfigEnum.parse(Mode.class, connectorConfig.getOrDefault(PostgresSourceConfig.MODE_CONFIG, ""));
        for (Map.Entry<Map<String, ?>, Map<String, ?>> entry : offsets.entrySet()) {
            String problem = mode == Mode.CDC
                    ? CdcOffset.alterProblem(connectorConfig.getOrDefault(CdcConfig.SLOT_NAME_CONFIG, "tablestream"),
                            entry.getKey(), entry.getValue())
                    : TableOffset.alterProblem(mode,
                            !connectorConfig.getOrDefault(PostgresSourceConfig.QUERY_CONFIG, "").isBlank(),
                            entry.getKey(), entry.getValue());
            if (problem != null) {
                throw new ConnectException(problem);
            }
        }
        return true;
    }
}
