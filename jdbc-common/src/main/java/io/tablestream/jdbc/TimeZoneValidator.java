package io.tablestream.jdbc;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.time.DateTimeException;
import java.time.ZoneId;

/** Accepts the zone ids Java knows (Europe/Berlin, UTC, +02:00), for the connectors' db.timezone. */
public final class TimeZoneValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
        try {
            ZoneId.of(String.valueOf(value).trim());
        } catch (DateTimeException e) {
            throw new ConfigException(name, value, "Not a time zone; use a region id such as UTC or Europe/Berlin");
        }
    }

    @Override
    public String toString() {
        return "a time zone id, e.g. UTC or Europe/Berlin";
    }
}
