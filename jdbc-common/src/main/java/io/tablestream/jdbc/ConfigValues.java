package io.tablestream.jdbc;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A connector's validate() answer by key, for the checks that pin an error on one key after ConfigDef's own checks.
 * A cross-field check reads only keys that are {@link #valid} on their own: when one is not, its own error is the
 * one the user must fix first.
 */
public final class ConfigValues {

    private ConfigValues() {
    }

    /** The answer by key, each alias conflict already pinned on its alias. */
    public static Map<String, ConfigValue> byName(Config validated, ListAlias... aliases) {
        Map<String, ConfigValue> values = validated.configValues().stream()
                .collect(Collectors.toMap(ConfigValue::name, Function.identity()));
        for (ListAlias alias : aliases) {
            alias.check(values);
        }
        return values;
    }

    /** The key's value when it is set and has no error of its own, else null. */
    public static Object valid(Map<String, ConfigValue> values, String key) {
        ConfigValue value = values.get(key);
        return value == null || !value.errorMessages().isEmpty() ? null : value.value();
    }

    /** {@link #valid(Map, String)} for an enumerated setting. */
    public static <E extends Enum<E> & ConfigEnum> E valid(Map<String, ConfigValue> values, String key, Class<E> type) {
        Object value = valid(values, key);
        return value == null ? null : ConfigEnum.parse(type, value.toString());
    }
}
