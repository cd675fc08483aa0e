package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.HashMap;
import java.util.Map;

/** Resolves {@code table.name.format} for a topic, once per topic. */
final class TableNameFormat {

    private final String format;
    private final Map<String, TableId> byTopic = new HashMap<>();

    TableNameFormat(String format) {
        this.format = format;
    }

    TableId tableFor(String topic) {
        return byTopic.computeIfAbsent(topic, this::resolve);
    }

    private TableId resolve(String topic) {
        String name = format.replace(PostgresSinkConfig.TOPIC_PLACEHOLDER, topic);
        try {
            TableId table = TableId.parse(name);
            table.quoted(); // rejects names PostgreSQL would truncate or cannot hold
            return table;
        } catch (IllegalArgumentException e) {
            throw new ConnectException(PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG + "='" + format
                    + "' gives the unusable table name '" + name + "' for topic '" + topic + "': " + e.getMessage(), e);
        }
    }
}
