package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import io.tablestream.source.Mode;
import io.tablestream.source.PostgresSourceConfig;
import io.tablestream.source.TableSelector;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Handle;

import java.util.List;
import java.util.Set;

/**
 * Partitioned tables in mode=cdc: captured as one table, through their root. The publication publishes a
 * partition's changes under the root's name and schema ({@code publish_via_partition_root}), the snapshot reads the
 * root (which reads every partition once), and a partition whose ancestor is captured is not captured again.
 */
public final class PartitionedTables {

    private PartitionedTables() {
    }

    /**
     * The configured selection, where a partitioned table counts as a TABLE (as its rows live in partitions); its
     * partitions are then left out ({@link TableSelector#select}).
     */
    public static TableSelector selector(PostgresSourceConfig config) {
        return config.tableSelector().withPartitionedAsTables();
    }

    /**
     * The tables the connector reads in its mode: in mode=cdc partitioned tables through their roots
     * ({@link #selector}), in the polling modes as {@code table.types} says.
     */
    public static TableSelector forMode(PostgresSourceConfig config) {
        return config.mode() == Mode.CDC ? selector(config) : config.tableSelector();
    }

    private static List<TableId> ancestors(Handle handle, TableId table) {
        return handle.createQuery("""
                        SELECT n.nspname, c.relname FROM pg_partition_ancestors(?::regclass) a
                        JOIN pg_class c ON c.oid = a.relid JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE a.relid <> ?::regclass""")
                .bind(0, table.quoted()).bind(1, table.quoted())
                .map((rs, ctx) -> new TableId(rs.getString(1), rs.getString(2))).list();
    }

    /** Whether any of the tables is partitioned. */
    static boolean anyPartitioned(Handle handle, List<TableId> tables) {
        return tables.stream().anyMatch(table -> handle.createQuery(
                "SELECT relkind = 'p' FROM pg_class WHERE oid = ?::regclass").bind(0, table.quoted())
                .mapTo(Boolean.class).one());
    }

    /**
     * Fails when the publication would send the changes of a captured partitioned table, or of a captured partition,
     * under another table's name: they would never reach the table's topic.
     */
    static void requirePublishedAsCaptured(Handle handle, String publication, List<TableId> tables) {
        Set<TableId> published = Set.copyOf(handle.createQuery(
                        "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")
                .bind(0, publication).map((rs, ctx) -> new TableId(rs.getString(1), rs.getString(2))).list());
        for (TableId table : tables) {
            if (published.contains(table)) {
                continue;
            }
            String kind = handle.createQuery("SELECT CASE WHEN relkind = 'p' THEN 'p' WHEN relispartition THEN 'i'"
                    + " ELSE 'r' END FROM pg_class WHERE oid = ?::regclass").bind(0, table.quoted())
                    .mapTo(String.class).one();
            if (kind.equals("p")) {
                throw new ConnectException("Publication " + publication + " publishes the changes of partitioned table "
                        + table + " under its partitions' names, so none would reach " + table + "'s topic: run ALTER"
                        + " PUBLICATION " + publication + " SET (publish_via_partition_root = true)");
            }
            if (kind.equals("i")) {
                List<TableId> ancestors = ancestors(handle, table);
                throw new ConnectException("Table " + table + " is a partition of " + ancestors + ", and publication "
                        + publication + " publishes its changes under its root's name (publish_via_partition_root ="
                        + " true), so none would reach " + table + "'s topic: capture the root "
                        + ancestors.get(ancestors.size() - 1) + " instead (in " + PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG
                        + "), or use a publication without publish_via_partition_root");
            }
        }
    }
}
