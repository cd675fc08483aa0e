package io.tablestream.sink;

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
    public ConfigDef config() {
        return PostgresSinkConfig.CONFIG_DEF;
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

    /** Adds the cross-field rules to the per-key checks, each error pinned to the key the user must change. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = ConfigValues.byName(config, PostgresSinkConfig.FIELDS_ALIAS);
        InsertMode insertMode = ConfigValues.valid(values, PostgresSinkConfig.INSERT_MODE_CONFIG, InsertMode.class);
        PkMode pkMode = ConfigValues.valid(values, PostgresSinkConfig.PK_MODE_CONFIG, PkMode.class);
        Object pkFields = ConfigValues.valid(values, PostgresSinkConfig.PK_FIELDS_CONFIG);
        Object deleteEnabled = ConfigValues.valid(values, PostgresSinkConfig.DELETE_ENABLED_CONFIG);
        if (insertMode == null || pkMode == null || pkFields == null || deleteEnabled == null) {
            return config; // a key is already invalid on its own: that error is the one to fix first
        }
        List<String> fields = ((List<?>) pkFields).stream().map(String::valueOf).toList();
        PostgresSinkConfig.crossFieldProblems(insertMode, pkMode, fields, (Boolean) deleteEnabled)
                .forEach((key, message) -> values.get(key).addErrorMessage(message));
        return config;
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
