package io.tablestream.jdbc;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A connector's validate() answer by key, for checks that pin an error on one key after ConfigDef's own checks. */
public final class ConfigValues {

    private ConfigValues() {
    }

    public static Map<String, ConfigValue> byName(Config validated) {
        return validated.configValues().stream().collect(Collectors.toMap(ConfigValue::name, Function.identity()));
    }
}
