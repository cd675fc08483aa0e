package io.tablestream.e2e.cdc;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;

import java.util.Map;

/**
 * A transform that takes {@code delay.ms} per record and changes nothing: it stands for whatever makes sending
 * slow (a heavy transform or converter, a slow broker), so that a Kafka transaction stays open long enough for
 * the broker's {@code transaction.timeout.ms} with few rows.
 */
public class SlowTransform<R extends ConnectRecord<R>> implements Transformation<R> {

    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define("delay.ms", ConfigDef.Type.LONG, 10L, ConfigDef.Importance.LOW, "Time taken per record");

    private long delayMs;

    @Override
    public void configure(Map<String, ?> configs) {
        delayMs = Long.parseLong(String.valueOf(configs.get("delay.ms")));
    }

    @Override
    public R apply(R record) {
        try {
            Thread.sleep(delayMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return record;
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public void close() {
    }
}
