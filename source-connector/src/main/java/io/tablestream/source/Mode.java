package io.tablestream.source;

import io.tablestream.jdbc.ConfigEnum;

/** How the source finds new and changed rows; the names are those of Confluent's JDBC source. */
public enum Mode implements ConfigEnum {
    INCREMENTING("incrementing", true, false),
    TIMESTAMP("timestamp", false, true),
    TIMESTAMP_INCREMENTING("timestamp+incrementing", true, true),
    /** Every poll reads each whole table again; no offsets. */
    BULK("bulk", false, false),
    /** Every poll runs the custom {@code query} and writes all its rows to the topic {@code topic.prefix}. */
    QUERY("query", false, false),
    /** Log-based change data capture (io.tablestream.source.cdc): every insert, update and delete, from the WAL. */
    CDC("cdc", false, false);

    private final String configValue;
    private final boolean usesIncrementing;
    private final boolean usesTimestamp;

    Mode(String configValue, boolean usesIncrementing, boolean usesTimestamp) {
        this.configValue = configValue;
        this.usesIncrementing = usesIncrementing;
        this.usesTimestamp = usesTimestamp;
    }

    @Override
    public String configValue() {
        return configValue;
    }

    public boolean usesIncrementing() {
        return usesIncrementing;
    }

    public boolean usesTimestamp() {
        return usesTimestamp;
    }

    /** Whether the mode reads from offsets it can resume exactly (incrementing and/or timestamp columns). */
    public boolean incremental() {
        return usesIncrementing || usesTimestamp;
    }
}
