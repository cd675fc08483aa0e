package io.tablestream.jdbc.types;

import io.tablestream.jdbc.ConfigEnum;

/** How date/time columns become Connect values ({@code time.precision.mode}). */
public enum TimePrecisionMode implements ConfigEnum {
    /** Microseconds kept: int64 under {@link SchemaNames#TIMESTAMP_MICROS} and friends. */
    MICROSECONDS("microseconds"),
    /** Connect's logical Date/Time/Timestamp (milliseconds), for consumers that only understand those. */
    CONNECT("connect");

    private final String configValue;

    TimePrecisionMode(String configValue) {
        this.configValue = configValue;
    }

    @Override
    public String configValue() {
        return configValue;
    }
}
