package io.tablestream.sink;

import java.util.Arrays;
import java.util.Locale;

/** How rows reach the database: {@code COPY} (through a staging table where needed) or a JDBC batch. */
public enum WriteMethod {
    COPY,
    BATCH;

    /** Parses a value already checked by the case-insensitive validator. */
    static WriteMethod parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    static String[] configValues() {
        return Arrays.stream(values()).map(WriteMethod::toString).toArray(String[]::new);
    }

    /** The value as written in the connector config. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
