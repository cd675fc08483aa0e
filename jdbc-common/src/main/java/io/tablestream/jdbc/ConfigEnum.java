package io.tablestream.jdbc;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A setting whose values are the constants of an enum: each constant carries the value users write. Every such
 * setting is defined, validated, recommended (Connect's validate answer lists the values) and parsed the same way, by
 * the static methods here: values are case-insensitive and trimmed, and an error lists them as users write them
 * ({@link OneOf}).
 */
public interface ConfigEnum {

    /** The value as written in a config. */
    String configValue();

    /**
     * Defines the setting {@code name} as a string holding one of {@code type}'s values.
     *
     * @param defaultValue the default, or null for a setting that must be given
     */
    static <E extends Enum<E> & ConfigEnum> ConfigDef define(ConfigDef def, String name, Class<E> type,
                                                             E defaultValue, Importance importance, String doc,
                                                             String group, int orderInGroup, Width width,
                                                             String displayName) {
        return def.define(name, Type.STRING,
                defaultValue == null ? ConfigDef.NO_DEFAULT_VALUE : defaultValue.configValue(), validator(type),
                importance, doc, group, orderInGroup, width, displayName, recommender(type));
    }

    /** The constant whose value is {@code value}, ignoring case and surrounding blanks. */
    static <E extends Enum<E> & ConfigEnum> E parse(Class<E> type, String value) {
        String wanted = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(type.getEnumConstants()).filter(c -> c.configValue().equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown value '" + value + "'; expected one of "
                        + list(type)));
    }

    /** The values as users write them, in declaration order. */
    static <E extends Enum<E> & ConfigEnum> List<String> configValues(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(ConfigEnum::configValue).toList();
    }

    /** The values joined for docs and messages: {@code a, b, c}. */
    static <E extends Enum<E> & ConfigEnum> String list(Class<E> type) {
        return String.join(", ", configValues(type));
    }

    static <E extends Enum<E> & ConfigEnum> ConfigDef.Validator validator(Class<E> type) {
        return OneOf.of(configValues(type).toArray(String[]::new));
    }

    static <E extends Enum<E> & ConfigEnum> ConfigDef.Recommender recommender(Class<E> type) {
        List<String> values = configValues(type);
        return new ConfigDef.Recommender() {
            @Override
            public List<Object> validValues(String name, Map<String, Object> parsedConfig) {
                return new ArrayList<>(values); // ConfigDef narrows the list in place
            }

            @Override
            public boolean visible(String name, Map<String, Object> parsedConfig) {
                return true;
            }
        };
    }
}
