package io.tablestream.sink;

import io.tablestream.jdbc.ConfigEnum;

import java.util.Locale;

/** How rows reach the database: {@code COPY} (through a staging table where needed) or a JDBC batch. */
public enum WriteMethod implements ConfigEnum {
    COPY,
    BATCH;

    @Override
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
