package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConfigEnum;

/** How {@code snapshot.mode} copies the captured tables' existing rows (the doc of the setting says how each works). */
public enum SnapshotMode implements ConfigEnum {
    INCREMENTAL("incremental"),
    INITIAL("initial"),
    NEVER("never"),
    INITIAL_ONLY("initial_only");

    private final String configValue;

    SnapshotMode(String configValue) {
        this.configValue = configValue;
    }

    @Override
    public String configValue() {
        return configValue;
    }
}
