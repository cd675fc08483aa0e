package io.tablestream.sink;

import io.tablestream.jdbc.ConfigEnum;

import java.util.Locale;

/** Where a row's primary key columns come from: nowhere, the Kafka coordinates, the record key, or fields of the record value. */
public enum PkMode implements ConfigEnum {
    NONE,
    KAFKA,
    RECORD_KEY,
    RECORD_VALUE;

    @Override
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
