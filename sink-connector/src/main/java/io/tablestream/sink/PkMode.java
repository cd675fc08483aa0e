package io.tablestream.sink;

import java.util.Arrays;
import java.util.Locale;

/** Where a row's primary key columns come from: nowhere, the Kafka coordinates, the record key, or fields of the record value. */
public enum PkMode {
    NONE,
    KAFKA,
    RECORD_KEY,
    RECORD_VALUE;

    /** Parses a value already checked by the case-insensitive validator. */
    static PkMode parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    static String[] configValues() {
        return Arrays.stream(values()).map(PkMode::toString).toArray(String[]::new);
    }

    /** The value as written in the connector config. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
