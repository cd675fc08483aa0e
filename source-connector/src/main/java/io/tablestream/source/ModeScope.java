package io.tablestream.source;

import io.tablestream.source.cdc.CdcConfig;
import org.apache.kafka.common.config.ConfigDef;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which modes read each source option. One table, used three ways so they cannot disagree: Connect's validate
 * answer marks the options the chosen mode does not read as not visible (UIs hide them), the connector logs a
 * warning at start for each such option the config sets (a user who switched modes learns what no longer applies,
 * instead of it being silently different), and the generated configuration reference has a "modes" column.
 * Options not listed here are read in every mode; the CDC group's options only in mode=cdc.
 */
public final class ModeScope {

    private static final Set<Mode> POLLING = EnumSet.complementOf(EnumSet.of(Mode.CDC));
    private static final Set<Mode> TABLES = EnumSet.complementOf(EnumSet.of(Mode.QUERY));
    private static final Set<Mode> INCREMENTING = EnumSet.of(Mode.INCREMENTING, Mode.TIMESTAMP_INCREMENTING);
    private static final Set<Mode> TIMESTAMP = EnumSet.of(Mode.TIMESTAMP, Mode.TIMESTAMP_INCREMENTING);
    private static final Set<Mode> INCREMENTAL = EnumSet.of(Mode.INCREMENTING, Mode.TIMESTAMP,
            Mode.TIMESTAMP_INCREMENTING);
    private static final Set<String> CDC_KEYS = CdcConfig.define(new ConfigDef()).names();

    private static final Map<String, Set<Mode>> SCOPES = Map.ofEntries(
            Map.entry(PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG, TABLES),
            Map.entry(PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG, TABLES),
            Map.entry(PostgresSourceConfig.TABLE_WHITELIST_CONFIG, TABLES),
            Map.entry(PostgresSourceConfig.TABLE_BLACKLIST_CONFIG, TABLES),
            Map.entry(PostgresSourceConfig.SCHEMA_PATTERN_CONFIG, TABLES),
            Map.entry(PostgresSourceConfig.TABLE_TYPES_CONFIG, TABLES),
            Map.entry(PostgresSourceConfig.TABLE_POLL_INTERVAL_MS_CONFIG, TABLES),
            Map.entry(PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG, INCREMENTING),
            Map.entry(PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG, TIMESTAMP),
            Map.entry(PostgresSourceConfig.QUERY_CONFIG, EnumSet.of(Mode.QUERY, Mode.INCREMENTING, Mode.TIMESTAMP,
                    Mode.TIMESTAMP_INCREMENTING)),
            Map.entry(PostgresSourceConfig.QUERY_SUFFIX_CONFIG, POLLING),
            Map.entry(PostgresSourceConfig.TIMESTAMP_INITIAL_CONFIG, TIMESTAMP),
            Map.entry(PostgresSourceConfig.TIMESTAMP_DELAY_INTERVAL_MS_CONFIG, TIMESTAMP),
            Map.entry(PostgresSourceConfig.VALIDATE_NON_NULL_CONFIG, INCREMENTAL),
            Map.entry(PostgresSourceConfig.POLL_INTERVAL_MS_CONFIG, POLLING));

    private ModeScope() {
    }

    /** The modes that read {@code key}. */
    public static Set<Mode> modes(String key) {
        if (CDC_KEYS.contains(key)) {
            return EnumSet.of(Mode.CDC);
        }
        return SCOPES.getOrDefault(key, EnumSet.allOf(Mode.class));
    }

    /** The options with a scope of their own (every other one is read in every mode). */
    static Set<String> scopedKeys() {
        return SCOPES.keySet();
    }

    /** Whether {@code mode} reads {@code key}. */
    public static boolean reads(Mode mode, String key) {
        return modes(key).contains(mode);
    }

    /** The modes that read {@code key} as the reference writes them: "all", "all but query", or a list. */
    public static String describe(String key) {
        Set<Mode> modes = modes(key);
        if (modes.size() == Mode.values().length) {
            return "all";
        }
        if (modes.size() == Mode.values().length - 1) {
            Mode left = EnumSet.complementOf(EnumSet.copyOf(modes)).iterator().next();
            return "all but " + left.configValue();
        }
        return modes.stream().map(Mode::configValue).collect(Collectors.joining(", "));
    }

    /** The options of {@code config} (as the user wrote it) that {@code mode} does not read, in key order. */
    static List<String> unread(Mode mode, Map<String, String> config) {
        List<String> unread = new ArrayList<>();
        for (String key : config.keySet().stream().sorted().toList()) {
            if (PostgresSourceConfig.CONFIG_DEF.configKeys().containsKey(key) && !reads(mode, key)) {
                unread.add(key);
            }
        }
        return unread;
    }

    /** The message logged at start for an option set in a mode that does not read it. */
    static String unreadWarning(Mode mode, String key) {
        return key + " is set, but mode=" + mode.configValue() + " does not read it (it applies to "
                + (modes(key).size() == 1 ? "mode " : "modes ") + describe(key) + "); it changes nothing: remove it,"
                + " or choose a mode that uses it";
    }
}
