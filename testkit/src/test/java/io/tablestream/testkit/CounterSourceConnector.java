package io.tablestream.testkit;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

import java.util.List;
import java.util.Map;

/**
 * Test-only source connector (registered in META-INF/services, found by {@code plugin.discovery=service_load}):
 * writes the numbers 0..count-1 to {@code topic}, remembering the next number as its source offset.
 */
public class CounterSourceConnector extends SourceConnector {

    static final ConfigDef CONFIG = new ConfigDef()
            .define("topic", ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.Importance.HIGH, "Target topic")
            .define("count", ConfigDef.Type.INT, 10, ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM, "How many numbers")
            .define("fail.task", ConfigDef.Type.BOOLEAN, false, ConfigDef.Importance.LOW, "Task start() throws (for failure tests)");

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        CONFIG.parse(props);
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return CounterTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return CONFIG;
    }

    @Override
    public String version() {
        return "test";
    }

    public static class CounterTask extends SourceTask {
        private static final Map<String, String> PARTITION = Map.of("counter", "numbers");
        private String topic;
        private int count;
        private long next;

        @Override
        public String version() {
            return "test";
        }

        @Override
        public void start(Map<String, String> props) {
            Map<String, Object> parsed = CONFIG.parse(props);
            topic = (String) parsed.get("topic");
            count = (Integer) parsed.get("count");
            if ((Boolean) parsed.get("fail.task")) {
                throw new IllegalStateException("CounterTask told to fail");
            }
            Map<String, Object> offset = context.offsetStorageReader().offset(PARTITION);
            next = offset == null ? 0 : ((Number) offset.get("next")).longValue();
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (next >= count) {
                Thread.sleep(100);
                return null;
            }
            long n = next++;
            return List.of(new SourceRecord(PARTITION, Map.of("next", next), topic, null, null, null, Schema.INT64_SCHEMA, n));
        }

        @Override
        public void stop() {
        }
    }
}
