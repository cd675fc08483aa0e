package io.tablestream.jdbc;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.util.List;
import java.util.Locale;

/**
 * A case-insensitive choice among values, whose error lists the values as users write them
 * (Kafka's own validator upper-cases them, which is not what goes into a config).
 */
public final class OneOf implements ConfigDef.Validator {

    private final List<String> values;

    private OneOf(List<String> values) {
        this.values = values;
    }

    public static OneOf of(String... values) {
        return new OneOf(List.of(values));
    }

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null) {
            return; // a missing required value is reported by ConfigDef itself
        }
        String given = value.toString().trim().toLowerCase(Locale.ROOT);
        if (!values.contains(given)) {
            throw new ConfigException(name, value, "Must be one of " + String.join(", ", values));
        }
    }

    @Override
    public String toString() {
        return String.join(", ", values);
    }
}
