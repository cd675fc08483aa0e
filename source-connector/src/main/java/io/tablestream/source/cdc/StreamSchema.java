package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.TableSchema;
import org.jdbi.v3.core.Handle;

import java.util.List;
import java.util.Set;

/**
 * The schema a captured table's records have in the stream, which snapshot reads share: only the columns the
 * publication sends, with the values that may be unavailable optional. pgoutput leaves out generated columns
 * (unless a PostgreSQL 18 publication has {@code publish_generated_columns = stored}) and the columns outside a
 * publication's column list; a snapshot reading them would send values the stream never updates, or columns left out
 * on purpose.
 */
final class StreamSchema {

    /**
     * PostgreSQL 15+: the table's own column list in the publication, if it has one. Read from the catalog for this
     * table alone: the {@code pg_publication_tables} view lists (and locks) every table of the publication, which for
     * {@code FOR ALL TABLES} is every table of the database, and waits behind a lock held on any of them.
     */
    private static final String COLUMN_LIST_SQL = """
            SELECT array_agg(a.attname::text ORDER BY a.attnum)
            FROM pg_publication p
            JOIN pg_publication_rel pr ON pr.prpubid = p.oid AND pr.prattrs IS NOT NULL
            JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs::int2[])
            WHERE p.pubname = ? AND pr.prrelid = ?::regclass""";
    /** PostgreSQL 18+: whether the publication sends stored generated columns ({@code publish_generated_columns}). */
    private static final String STORED_GENERATED_SQL = "SELECT pubgencols = 's' FROM pg_publication WHERE pubname = ?";
    /** What pgoutput sends of a table without a column list: its columns, generated ones only when asked to. */
    private static final String DEFAULT_COLUMNS_SQL = """
            SELECT attname::text FROM pg_attribute
            WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped
              AND (attgenerated = '' OR (attgenerated = 's' AND ?))""";

    private StreamSchema() {
    }

    static TableSchema read(Handle handle, TableId table, PgTypeCatalog types, String publication) {
        UnavailableValues.Profile profile = UnavailableValues.profile(handle, table);
        TableSchema all = TableSchema.read(handle, table, types);
        Set<String> published = published(handle, table, publication);
        List<ColumnReader> columns = all.columns().stream().filter(c -> published.contains(c.column().name()))
                .toList();
        TableSchema sent = columns.size() == all.columns().size() ? all
                : TableSchema.of(table, columns, all.keyColumns().stream().filter(published::contains).toList());
        return UnavailableValues.relax(sent, profile.replicaIdentity(), profile.toastable(), types);
    }

    private static Set<String> published(Handle handle, TableId table, String publication) {
        int version = Replication.serverVersion(handle);
        if (version >= 150000) {
            String[] listed = handle.createQuery(COLUMN_LIST_SQL).bind(0, publication).bind(1, table.quoted())
                    .map((rs, ctx) -> rs.getArray(1) == null ? null : (String[]) rs.getArray(1).getArray())
                    .findOne().orElse(null);
            if (listed != null && listed.length > 0) { // never a record without columns
                return Set.of(listed);
            }
        }
        // Not in the publication (yet), or without a column list: what pgoutput sends by default.
        boolean storedGenerated = version >= 180000 && handle.createQuery(STORED_GENERATED_SQL)
                .bind(0, publication).mapTo(Boolean.class).findOne().orElse(false);
        return Set.copyOf(handle.createQuery(DEFAULT_COLUMNS_SQL).bind(0, table.quoted()).bind(1, storedGenerated)
                .mapTo(String.class).list());
    }
}
