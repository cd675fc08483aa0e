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
        Map<String, String> config = connection(stack, url);
        config.put("connector.class", "io.tablestream.source.PostgresSourceConnector");
        config.put("topic.prefix", topicPrefix);
        config.put("poll.interval.ms", "200");
        return with(config, extra);
    }

    /** A sink config for the database at {@code url}, reading {@code topics} from the start; {@code extra} last. */
    public static Map<String, String> sink(Stack stack, String url, String topics, String... extra) {
        Map<String, String> config = connection(stack, url);
        config.put("connector.class", "io.tablestream.sink.PostgresSinkConnector");
        config.put("topics", topics);
        config.put("consumer.override.auto.offset.reset", "earliest");
        return with(config, extra);
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

    private static Map<String, String> connection(Stack stack, String url) {
        Map<String, String> config = new HashMap<>();
        config.put("tasks.max", "1");
        config.put("connection.url", url);
        config.put("connection.user", stack.postgres().user());
        config.put("connection.password", stack.postgres().passwordOrEmpty());
        return config;
    }
}
