package io.tablestream.sink;

import io.tablestream.jdbc.ConfigEnum;
import io.tablestream.jdbc.ConfigValues;
import io.tablestream.jdbc.Version;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes Kafka topics into PostgreSQL tables, one table per topic (see {@link PostgresSinkConfig}). */
public class PostgresSinkConnector extends SinkConnector {

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        ConfluentSinkKeys.logIgnored(new PostgresSinkConfig(props)); // fail fast, naming the key at fault
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return PostgresSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(new HashMap<>(props));
        }
        return configs;
    }

    @Override
    public void stop() {
        // Nothing to release: tasks own their database access.
    }

    @Override
    public ConfigDef config() {
        return PostgresSinkConfig.CONFIG_DEF;
    }

    /** Adds the cross-field rules to the per-key checks, each error pinned to the key the user must change. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = ConfigValues.byName(config);
        PostgresSinkConfig.FIELDS_ALIAS.check(values);
        ConfigValue insertMode = values.get(PostgresSinkConfig.INSERT_MODE_CONFIG);
        ConfigValue pkMode = values.get(PostgresSinkConfig.PK_MODE_CONFIG);
        ConfigValue pkFields = values.get(PostgresSinkConfig.PK_FIELDS_CONFIG);
        ConfigValue deleteEnabled = values.get(PostgresSinkConfig.DELETE_ENABLED_CONFIG);
        if (hasErrors(insertMode) || hasErrors(pkMode) || hasErrors(pkFields) || hasErrors(deleteEnabled)) {
            return config; // a key is already invalid on its own: that error is the one to fix first
        }
        List<String> fields = ((List<?>) pkFields.value()).stream().map(String::valueOf).toList();
        PostgresSinkConfig.crossFieldProblems(ConfigEnum.parse(InsertMode.class, (String) insertMode.value()),
                        ConfigEnum.parse(PkMode.class, (String) pkMode.value()), fields, (Boolean) deleteEnabled.value())
                .forEach((key, message) -> values.get(key).addErrorMessage(message));
        return config;
    }

    private static boolean hasErrors(ConfigValue value) {
        return value == null || value.value() == null || !value.errorMessages().isEmpty();
    }

    /**
     * Connect may alter the consumer group's offsets; with exactly.once the offsets table wins on the next start, so
     * to replay records also delete their partitions' rows from offsets.table.name.
     */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
        return true;
    }
}
