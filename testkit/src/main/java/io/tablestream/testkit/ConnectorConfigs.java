package io.tablestream.testkit;

import java.util.HashMap;
import java.util.Map;

/** The connector configs tests deploy: connector class, one task, the stack's credentials, and the test's own keys. */
public final class ConnectorConfigs {

    private ConnectorConfigs() {
    }

    /**
     * A polling source config for the database at {@code url}, writing to {@code <topicPrefix><table>} and polling
     * every 200 ms; the test names the mode and tables in {@code extra}, key/value pairs applied last.
     */
    public static Map<String, String> source(Stack stack, String url, String topicPrefix, String... extra) {
        return with(with(connector("io.tablestream.source.PostgresSourceConnector", stack, url),
                "topic.prefix", topicPrefix, "poll.interval.ms", "200"), extra);
    }

    /** A sink config for the database at {@code url}, reading {@code topics} from the start; {@code extra} last. */
    public static Map<String, String> sink(Stack stack, String url, String topics, String... extra) {
        return with(with(connector("io.tablestream.sink.PostgresSinkConnector", stack, url),
                "topics", topics, "consumer.override.auto.offset.reset", "earliest"), extra);
    }

    /** {@code config} with the key/value pairs of {@code extra} put in, in order. */
    public static Map<String, String> with(Map<String, String> config, String... extra) {
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }

    /** {@code config} with {@code extra} put in. */
    public static Map<String, String> with(Map<String, String> config, Map<String, String> extra) {
        config.putAll(extra);
        return config;
    }

    private static Map<String, String> connector(String connectorClass, Stack stack, String url) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", connectorClass);
        config.put("tasks.max", "1");
        config.put("connection.url", url);
        config.put("connection.user", stack.postgres().user());
        config.put("connection.password", stack.postgres().passwordOrEmpty());
        return config;
    }
}
