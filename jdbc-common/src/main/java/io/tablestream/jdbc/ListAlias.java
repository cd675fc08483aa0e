package io.tablestream.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

import java.util.List;
import java.util.Map;

/**
 * A list setting and the older Confluent name that means the same ({@code table.whitelist} for
 * {@code table.include.list}). Either may be given; both only with the same entries. Given both with different
 * entries, neither combining nor preferring one is surely what the user meant, so the config is refused, naming both.
 *
 * @param key   the current name
 * @param alias the older name
 */
public record ListAlias(String key, String alias) {

    /** The entries given under either name, trimmed, blanks dropped; empty when neither is set. */
    public List<String> value(AbstractConfig config) {
        String problem = problem(config.getList(key), config.getList(alias));
        if (problem != null) {
            throw new ConfigException(alias, config.originals().get(alias), problem);
        }
        List<String> current = entries(config.getList(key));
        return current.isEmpty() ? entries(config.getList(alias)) : current;
    }

    /** For a connector's validate(): pins the problem, if any, on {@link #alias} (keys already invalid are skipped). */
    public void check(Map<String, ConfigValue> values) {
        ConfigValue current = values.get(key);
        ConfigValue older = values.get(alias);
        if (current != null && older != null && current.value() instanceof List<?> currentList
                && older.value() instanceof List<?> olderList) {
            String problem = problem(currentList, olderList);
            if (problem != null) {
                older.addErrorMessage(problem);
            }
        }
    }

    private String problem(List<?> current, List<?> older) {
        List<String> currentEntries = entries(current);
        List<String> olderEntries = entries(older);
        if (currentEntries.isEmpty() || olderEntries.isEmpty() || currentEntries.equals(olderEntries)) {
            return null;
        }
        return alias + " is the older name of " + key + ", and they differ (" + alias + "="
                + String.join(",", olderEntries) + ", " + key + "=" + String.join(",", currentEntries)
                + "): set only " + key;
    }

    private static List<String> entries(List<?> list) {
        return list.stream().map(e -> String.valueOf(e).trim()).filter(e -> !e.isEmpty()).toList();
    }
}
