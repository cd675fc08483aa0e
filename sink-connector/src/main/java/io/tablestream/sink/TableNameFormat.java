package io.tablestream.sink;

import io.tablestream.jdbc.ChangeEvents;
import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.HashMap;
import java.util.Map;

/**
 * Resolves {@code table.name.format} for a record. {@code ${topic}} is the topic name; {@code ${source.schema}} and
 * {@code ${source.table}} the table a change envelope's {@code source} block names (Debezium's and our source's).
 * The format {@code ${topic}} alone (the default) writes a Debezium topic, named {@code <prefix>.<schema>.<table>},
 * to its source table rather than to a schema named after the prefix. A record without a source block (a tombstone)
 * goes where the last envelope of its topic went, or, before any, where the topic's last two dot-separated parts
 * say, as Debezium names topics.
 */
final class TableNameFormat {

    static final String SOURCE_SCHEMA_PLACEHOLDER = "${source.schema}";
    static final String SOURCE_TABLE_PLACEHOLDER = "${source.table}";

    /** The table a change envelope comes from, on one topic. */
    private record Source(String topic, String schema, String table) {
    }

    private final String format;
    private final boolean namesSource;
    private final boolean topicAlone;
    private final Map<Source, TableId> bySource = new HashMap<>();
    /** Each topic's last table, for the records of the topic that carry no source block. */
    private final Map<String, TableId> byTopic = new HashMap<>();
    /** The source block of the last envelope and its table (also byTopic's entry for that topic). */
    private Source lastSource;
    private TableId lastTable;

    TableNameFormat(String format) {
        this.format = format;
        this.namesSource = format.contains(SOURCE_SCHEMA_PLACEHOLDER) || format.contains(SOURCE_TABLE_PLACEHOLDER);
        this.topicAlone = format.trim().equals(PostgresSinkConfig.TOPIC_PLACEHOLDER);
    }

    TableId tableFor(SinkRecord record) {
        Source source = source(record);
        if (source != null) {
            // Consecutive envelopes nearly always name the last table: comparing skips hashing the block's new
            // strings and the map updates, a share of the sink's per-record work.
            if (source.equals(lastSource)) {
                return lastTable;
            }
            TableId table = bySource.computeIfAbsent(source, this::resolve);
            byTopic.put(record.topic(), table);
            lastSource = source;
            lastTable = table;
            return table;
        }
        return byTopic.computeIfAbsent(record.topic(), this::resolveWithoutSource);
    }

    private TableId resolve(Source source) {
        if (topicAlone && source.topic().endsWith("." + source.schema() + "." + source.table())) {
            return checked(new TableId(source.schema(), source.table()), source.topic());
        }
        return parse(format.replace(PostgresSinkConfig.TOPIC_PLACEHOLDER, source.topic())
                .replace(SOURCE_SCHEMA_PLACEHOLDER, source.schema())
                .replace(SOURCE_TABLE_PLACEHOLDER, source.table()), source.topic());
    }

    private TableId resolveWithoutSource(String topic) {
        String[] parts = topic.split("\\.", -1);
        boolean debeziumName = parts.length >= 3 && !topic.contains("\"");
        if (namesSource && !debeziumName) {
            throw new ConnectException(PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG + "='" + format + "' names the "
                    + "source table (" + SOURCE_SCHEMA_PLACEHOLDER + ", " + SOURCE_TABLE_PLACEHOLDER + "), but a record"
                    + " of topic '" + topic + "' is no change envelope with a source block (schema, table), none before"
                    + " it was, and the topic is not named <prefix>.<schema>.<table>: use " + PostgresSinkConfig
                    .TOPIC_PLACEHOLDER + " or a fixed table name for this topic");
        }
        if (debeziumName && (namesSource || topicAlone)) {
            return resolve(new Source(topic, parts[parts.length - 2], parts[parts.length - 1]));
        }
        return parse(format.replace(PostgresSinkConfig.TOPIC_PLACEHOLDER, topic), topic);
    }

    private TableId parse(String name, String topic) {
        try {
            return checked(TableId.parse(name), topic);
        } catch (IllegalArgumentException e) {
            throw new ConnectException(PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG + "='" + format
                    + "' gives the unusable table name '" + name + "' for topic '" + topic + "': " + e.getMessage(), e);
        }
    }

    private TableId checked(TableId table, String topic) {
        try {
            table.quoted(); // rejects names PostgreSQL would truncate or cannot hold
            return table;
        } catch (IllegalArgumentException e) {
            throw new ConnectException(PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG + "='" + format
                    + "' gives the unusable table name " + table + " for topic '" + topic + "': " + e.getMessage(), e);
        }
    }

    /** The schema and table of a change envelope's source block; null for any other record. */
    private static Source source(SinkRecord record) {
        Schema schema = record.valueSchema();
        if (schema == null || schema.type() != Schema.Type.STRUCT || !(record.value() instanceof Struct envelope)
                || !ChangeEvents.isEnvelope(schema)) {
            return null;
        }
        Field source = schema.field("source");
        if (source == null || source.schema().type() != Schema.Type.STRUCT || envelope.get(source) == null) {
            return null;
        }
        Struct block = (Struct) envelope.get(source);
        Object sourceSchema = block.schema().field("schema") == null ? null : block.get("schema");
        Object sourceTable = block.schema().field("table") == null ? null : block.get("table");
        return sourceSchema instanceof String s && sourceTable instanceof String t && !s.isEmpty() && !t.isEmpty()
                ? new Source(record.topic(), s, t) : null;
    }
}
