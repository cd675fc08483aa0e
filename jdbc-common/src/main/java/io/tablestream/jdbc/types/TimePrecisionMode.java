package io.tablestream.jdbc.types;

import java.util.Arrays;
import java.util.Locale;

/** How date/time columns become Connect values ({@code time.precision.mode}). */
public enum TimePrecisionMode {
    /** Microseconds kept: int64 under {@link SchemaNames#TIMESTAMP_MICROS} and friends. */
    MICROSECONDS("microseconds"),
    /** Connect's logical Date/Time/Timestamp (milliseconds), for consumers that only understand those. */
    CONNECT("connect");

    private final String configValue;

    TimePrecisionMode(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    public static TimePrecisionMode fromConfig(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.configValue.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown time.precision.mode '" + value + "'"));
    }

    public static String[] configValues() {
        return Arrays.stream(values()).map(TimePrecisionMode::configValue).toArray(String[]::new);
    }
}
