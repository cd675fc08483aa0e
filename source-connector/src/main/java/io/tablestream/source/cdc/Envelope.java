package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConfigEnum;

/** The shape of a change record's value ({@code envelope}). */
public enum Envelope implements ConfigEnum {
    FLAT("flat"),
    DEBEZIUM("debezium");

    private final String configValue;

    Envelope(String configValue) {
        this.configValue = configValue;
    }

    @Override
    public String configValue() {
        return configValue;
    }
}
