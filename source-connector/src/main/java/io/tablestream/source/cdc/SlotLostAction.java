package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConfigEnum;

/** What the task does when the slot it streamed from is gone ({@code slot.lost.action}). */
public enum SlotLostAction implements ConfigEnum {
    FAIL("fail"),
    RESNAPSHOT("resnapshot");

    private final String configValue;

    SlotLostAction(String configValue) {
        this.configValue = configValue;
    }

    @Override
    public String configValue() {
        return configValue;
    }
}
