package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.source.cdc.CdcConfig;
import io.tablestream.source.cdc.CdcOffset;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Selected tables that would write to the same topic, or keep their progress under the same stored offset: names
 * join schema and table with a dot, so {@code public."sales.orders"} and {@code sales.orders} both go to topic
 * {@code sales.orders}, and {@code "public.sales".orders} keeps its offset under {@code public.sales.orders}, as
 * {@code public."sales.orders"} does. The connector refuses them rather than merge their records or offsets. The
 * names compared are those the connector builds ({@link PostgresSourceConfig#topicFor}, {@link TableOffset#partition},
 * {@link CdcOffset#tablePartition}), so the check can never disagree with what is written.
 */
public final class TableNameClashes {

    private TableNameClashes() {
    }

    /**
     * What is wrong with selecting {@code tables} together under {@code config} (every clash, one sentence each), or
     * null when each has its own topic and offset. mode=bulk stores no offsets, so only topics can clash there.
     */
    public static String problem(PostgresSourceConfig config, Collection<TableId> tables) {
        List<String> problems = new ArrayList<>();
        forEachClash(tables, config::topicFor, (first, second, topic) -> problems.add(describe(config, first, second,
                "would both write to topic \"" + topic + "\" (" + PostgresSourceConfig.TOPIC_PREFIX_CONFIG
                        + " and the table name, without the schema for tables of schema public), merging their"
                        + " records",
                "; a RegexRouter cannot route them apart, as it sees only the topic name they share")));
        Mode mode = config.mode();
        if (mode == Mode.CDC) {
            String slot = new CdcConfig(config).slotName();
            forEachClash(tables, table -> CdcOffset.tablePartition(slot, table), (first, second, partition) ->
                    problems.add(describe(config, first, second, "would keep their incremental snapshot progress"
                                    + " under the same stored offset " + partition + ", so one table's snapshot would"
                                    + " resume at the other's position",
                            "; routing their topics apart (RegexRouter, " + PostgresSourceConfig.TOPIC_PREFIX_CONFIG
                                    + ") does not separate their offsets")));
        } else if (mode.incremental()) {
            forEachClash(tables, TableOffset::partition, (first, second, partition) -> problems.add(describe(config,
                    first, second, "would keep their position under the same stored offset " + partition
                            + ", so each would resume at the other's position and skip or repeat rows",
                    "; routing their topics apart (RegexRouter, " + PostgresSourceConfig.TOPIC_PREFIX_CONFIG
                            + ") does not separate their offsets")));
        }
        return problems.isEmpty() ? null : String.join(" ", problems);
    }

    private interface Clash<K> {
        void between(TableId first, TableId second, K key);
    }

    private static <K> void forEachClash(Collection<TableId> tables, Function<TableId, K> keyOf, Clash<K> clash) {
        Map<K, TableId> owners = new HashMap<>();
        for (TableId table : tables) {
            K key = keyOf.apply(table);
            TableId owner = owners.putIfAbsent(key, table);
            if (owner != null) {
                clash.between(owner, table, key);
            }
        }
    }

    private static String describe(PostgresSourceConfig config, TableId first, TableId second, String what,
                                   String notAFix) {
        List<String> include = PostgresSourceConfig.INCLUDE_ALIAS.value(config);
        return PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG + (include.isEmpty() ? " (empty: every table)"
                : "=" + String.join(",", include)) + " selects tables " + first.quoted() + " and "
                + second.quoted() + ", which " + what + ": leave one out (add it to "
                + PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG + ", e.g. " + PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG
                + "=" + second.quoted() + ") or rename one (ALTER TABLE ... RENAME TO, ALTER"
                + " SCHEMA ... RENAME TO)" + notAFix + ".";
    }
}
