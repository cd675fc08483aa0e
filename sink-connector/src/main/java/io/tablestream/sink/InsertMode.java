package io.tablestream.sink;

import io.tablestream.jdbc.ConfigEnum;

import java.util.Locale;

/** How records become rows: {@code insert} fails on a duplicate key, {@code upsert} overwrites it, {@code update} only changes existing rows. */
public enum InsertMode implements ConfigEnum {
    INSERT,
    UPSERT,
    UPDATE;

    @Override
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
