package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConfigEnum;

/** What a delete becomes in the flat envelope ({@code delete.handling.mode}, as Debezium's). */
public enum DeleteHandlingMode implements ConfigEnum {
    TOMBSTONE("tombstone"),
    REWRITE("rewrite"),
    NONE("none");

    private final String configValue;

    DeleteHandlingMode(String configValue) {
        this.configValue = configValue;
    }

    @Override
    public String configValue() {
        return configValue;
    }
}
