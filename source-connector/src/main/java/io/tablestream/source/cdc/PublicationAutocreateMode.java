package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConfigEnum;

/** How the publication is created or kept up to date ({@code publication.autocreate.mode}, as Debezium's). */
public enum PublicationAutocreateMode implements ConfigEnum {
    FILTERED("filtered"),
    ALL_TABLES("all_tables"),
    DISABLED("disabled");

    private final String configValue;

    PublicationAutocreateMode(String configValue) {
        this.configValue = configValue;
    }

    @Override
    public String configValue() {
        return configValue;
    }
}
