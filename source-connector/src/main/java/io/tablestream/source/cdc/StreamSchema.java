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

    /** PostgreSQL 15+: the columns the publication sends, generated ones and column lists accounted for. */
    private static final String PUBLISHED_SQL = """
            SELECT attnames::text[] FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename = ?""";
    /** What pgoutput sends of a table before PostgreSQL 15 (no column lists, no generated columns). */
    private static final String NOT_GENERATED_SQL = """
            SELECT attname::text FROM pg_attribute
            WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''""";

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
        boolean columnLists = handle.createQuery("SELECT current_setting('server_version_num')::int >= 150000")
                .mapTo(Boolean.class).one();
        if (columnLists) {
            // No row while the table is not in the publication (yet): then it sends what pgoutput sends by default.
            String[] names = handle.createQuery(PUBLISHED_SQL).bind(0, publication).bind(1, table.schema())
                    .bind(2, table.table()).map((rs, ctx) -> rs.getArray(1) == null ? null
                            : (String[]) rs.getArray(1).getArray()).findOne()
                    .orElse(null);
            if (names != null && names.length > 0) { // never a record without columns
                return Set.of(names);
            }
        }
        return Set.copyOf(handle.createQuery(NOT_GENERATED_SQL).bind(0, table.quoted()).mapTo(String.class).list());
    }
}
