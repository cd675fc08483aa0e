package io.tablestream.sink;

import java.util.Arrays;
import java.util.Locale;

/** How records become rows: {@code insert} fails on a duplicate key, {@code upsert} overwrites it, {@code update} only changes existing rows. */
public enum InsertMode {
    INSERT,
    UPSERT,
    UPDATE;

    /** Parses a value already checked by the case-insensitive validator. */
    static InsertMode parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    static String[] configValues() {
        return Arrays.stream(values()).map(InsertMode::toString).toArray(String[]::new);
    }

    /** The value as written in the connector config. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
