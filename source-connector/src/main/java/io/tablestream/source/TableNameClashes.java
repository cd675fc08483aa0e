package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.source.cdc.CdcConfig;
import io.tablestream.source.cdc.CdcOffset;
import io.tablestream.source.cdc.SnapshotMode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    private static final String TOPIC_NAMING = PostgresSourceConfig.TOPIC_PREFIX_CONFIG
            + " and the table name, without the schema for tables of schema public";
    private static final String NOT_AN_OFFSET_FIX = "; routing their topics apart (RegexRouter, "
            + PostgresSourceConfig.TOPIC_PREFIX_CONFIG + ") does not separate their offsets";

    private TableNameClashes() {
    }

    /**
     * What is wrong with selecting {@code tables} together under {@code config} (every clash, one sentence each), or
     * null when each has its own topic and offset. mode=bulk stores no offsets, so only topics can clash there; in
     * mode=cdc only incremental snapshots store progress per table, so their offsets clash only when one can run.
     */
    public static String problem(PostgresSourceConfig config, Collection<TableId> tables) {
        return problem(config, tables, Set.of());
    }

    /**
     * As {@link #problem(PostgresSourceConfig, Collection)}, for a selection that {@code known} (the tables selected
     * before; empty: none yet) grew into: of a clashing pair, the table that is new is the one named to leave out.
     */
    public static String problem(PostgresSourceConfig config, Collection<TableId> tables, Set<TableId> known) {
        List<String> problems = new ArrayList<>();
        forEachClash(tables, config::topicFor, (first, second, topic) -> problems.add(describe(config, known, first,
                second, "would both write to topic \"" + topic + "\" (" + TOPIC_NAMING + "), merging their records",
                "; a RegexRouter cannot route them apart, as it sees only the topic name they share")));
        Mode mode = config.mode();
        if (mode == Mode.CDC) {
            CdcConfig cdc = new CdcConfig(config);
            signalTopicClash(config, cdc, tables).ifPresent(problems::add);
            if (cdc.snapshotMode() == SnapshotMode.INCREMENTAL || cdc.signalTable() != null) {
                String slot = cdc.slotName();
                forEachClash(tables, table -> CdcOffset.tablePartition(slot, table), (first, second, partition) ->
                        problems.add(describe(config, known, first, second, "would keep their incremental snapshot"
                                        + " progress under the same stored offset " + partition + ", so one table's"
                                        + " snapshot would resume at the other's position", NOT_AN_OFFSET_FIX)));
            }
        } else if (mode.incremental()) {
            forEachClash(tables, TableOffset::partition, (first, second, partition) -> problems.add(describe(config,
                    known, first, second, "would keep their position under the same stored offset " + partition
                            + ", so each would resume at the other's position and skip or repeat rows",
                    NOT_AN_OFFSET_FIX)));
        }
        return problems.isEmpty() ? null : String.join(" ", problems);
    }

    /** Fails with {@link #problem(PostgresSourceConfig, Collection)}, if there is one. */
    public static void refuse(PostgresSourceConfig config, Collection<TableId> tables) {
        String problem = problem(config, tables);
        if (problem != null) {
            throw new TableNameClashException(problem);
        }
    }

    /** The stream tells signals from changes by topic, so a captured table on the signal table's topic is refused. */
    private static Optional<String> signalTopicClash(PostgresSourceConfig config, CdcConfig cdc,
                                                     Collection<TableId> tables) {
        TableId signal = cdc.signalTable();
        if (signal == null) {
            return Optional.empty();
        }
        String signalTopic = config.topicFor(signal);
        return tables.stream().filter(table -> !table.equals(signal) && config.topicFor(table).equals(signalTopic))
                .findFirst().map(table -> selection(config) + " selects table "
                        + table.quoted() + ", whose topic \"" + signalTopic + "\" (" + TOPIC_NAMING + ") is that of "
                        + CdcConfig.SIGNAL_DATA_COLLECTION_CONFIG + "=" + config.getString(
                        CdcConfig.SIGNAL_DATA_COLLECTION_CONFIG) + ", so its changes would be taken as signals: leave"
                        + " it out (add it to " + PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG + ", e.g. "
                        + PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG + "=" + table.quoted() + "), use another"
                        + " signal table, or rename one (ALTER TABLE ... RENAME TO, ALTER SCHEMA ... RENAME TO).");
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

    private static String describe(PostgresSourceConfig config, Set<TableId> known, TableId first, TableId second,
                                   String what, String notAFix) {
        String exclude = PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG;
        TableId added = known.contains(first) && !known.contains(second) ? second
                : known.contains(second) && !known.contains(first) ? first : null;
        String fix = added != null
                ? "leave out " + added.quoted() + ", the table that appeared while the connector ran (add it to "
                        + exclude + ", e.g. " + exclude + "=" + added.quoted() + "), or rename it (ALTER TABLE ..."
                        + " RENAME TO, ALTER SCHEMA ... RENAME TO)"
                : "leave out the one not wanted (add it to " + exclude + ": " + exclude + "=" + first.quoted()
                        + " or " + exclude + "=" + second.quoted() + ") or rename one (ALTER TABLE ... RENAME TO,"
                        + " ALTER SCHEMA ... RENAME TO)";
        return selection(config) + " selects tables " + first.quoted() + " and "
                + second.quoted() + ", which " + what + ": " + fix + notAFix + ".";
    }

    /** The include list as the user set it, to name what selects the tables. */
    private static String selection(PostgresSourceConfig config) {
        List<String> include = PostgresSourceConfig.INCLUDE_ALIAS.value(config);
        return PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG + (include.isEmpty() ? " (empty: every table)"
                : "=" + String.join(",", include));
    }
}
