package io.tablestream.source.cdc;

import io.tablestream.jdbc.Json;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.TableSchema;
import org.apache.kafka.connect.data.Schema;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Values the WAL does not carry: a large (TOASTed, stored out of line) value that an update left unchanged is sent
 * only as "unchanged" unless the table's REPLICA IDENTITY is FULL. Such a field is null in the record (or holds
 * {@code unavailable.value.placeholder}) and its column is named in the header {@link #HEADER}, so nothing
 * downstream mistakes it for the value.
 */
final class UnavailableValues {

    /** Header listing the columns whose values are unavailable, as JSON array text: {@code ["big_text","doc"]}. */
    static final String HEADER = "unavailable.columns";

    static final char REPLICA_IDENTITY_FULL = 'f';

    private static final String PROFILE_SQL = """
            SELECT c.relreplident::text,
                   coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attstorage <> 'p'), '{}')
            FROM pg_class c
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.oid = ?::regclass
            GROUP BY c.relreplident""";

    /**
     * A table's replica identity ({@code pg_class.relreplident}: d default, f full, i index, n nothing) and its
     * columns whose storage is not plain, i.e. whose values may be TOASTed (text, bytea, json, arrays, numeric...).
     */
    record Profile(TableId table, char replicaIdentity, List<String> toastable) {

        /** Whether an update can leave some of the table's values out of the WAL. */
        boolean mayLackValues() {
            return replicaIdentity != REPLICA_IDENTITY_FULL && !toastable.isEmpty();
        }

        void warnIfLacking(Logger log) {
            if (mayLackValues()) {
                log.warn("Table {} has REPLICA IDENTITY {} and columns that may hold large (TOASTed) values {}: an"
                        + " update leaving such a value unchanged does not send it, so its field is null (or {})"
                        + " and the record's header {} names the column. For complete rows run ALTER TABLE {}"
                        + " REPLICA IDENTITY FULL", table, identityName(replicaIdentity), toastable,
                        CdcConfig.UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG, HEADER, table.quoted());
            }
        }
    }

    private UnavailableValues() {
    }

    static Profile profile(Handle handle, TableId table) {
        return profile(handle, table, (Object) table.quoted());
    }

    /** The profile of the table with this pg_class oid, named {@code table}. */
    static Profile profile(Handle handle, TableId table, long oid) {
        return profile(handle, table, (Object) oid);
    }

    /** {@code regclass}: what names the table to {@code ?::regclass}, its quoted name (String) or its oid (Long). */
    private static Profile profile(Handle handle, TableId table, Object regclass) {
        return handle.createQuery(PROFILE_SQL).bind(0, regclass).map((rs, ctx) -> {
            Array columns = rs.getArray(2);
            return new Profile(table, rs.getString(1).charAt(0),
                    List.copyOf(Arrays.asList((String[]) columns.getArray())));
        }).one();
    }

    private static String identityName(char identity) {
        return switch (identity) {
            case 'd' -> "DEFAULT";
            case 'n' -> "NOTHING";
            case 'i' -> "USING INDEX";
            default -> "FULL";
        };
    }

    /**
     * The schema with every field that may be unavailable optional: the TOAST-able non-key columns, unless the
     * replica identity is FULL (then the WAL has every value and the schema is the polling modes').
     */
    static TableSchema relax(TableSchema schema, char replicaIdentity, List<String> toastable, PgTypeCatalog types) {
        if (replicaIdentity == REPLICA_IDENTITY_FULL) {
            return schema;
        }
        List<ColumnReader> readers = new ArrayList<>();
        for (ColumnReader reader : schema.columns()) {
            PgColumn c = reader.column();
            boolean relax = c.notNull() && toastable.contains(c.name()) && !schema.keyColumns().contains(c.name());
            readers.add(relax ? types.readerFor(c.withNotNull(false)) : reader);
        }
        return TableSchema.of(schema.table(), readers, schema.keyColumns());
    }

    /**
     * What an unavailable field holds: the placeholder for text fields (its UTF-8 bytes for plain bytes fields)
     * when one is configured; otherwise, and for every other type, null.
     */
    static Object placeholderFor(Schema field, String placeholder) {
        if (placeholder == null || field.name() != null) {
            return null; // a logical type (Decimal, Json, ...) cannot hold arbitrary text
        }
        return switch (field.type()) {
            case STRING -> placeholder;
            case BYTES -> placeholder.getBytes(StandardCharsets.UTF_8);
            default -> null;
        };
    }

    /** The header value: the column names as a JSON array of strings. */
    static String headerValue(List<String> columns) {
        return Json.write(columns);
    }

    /** The column names a header value written by {@link #headerValue} lists. */
    static List<String> columnsOf(String headerValue) {
        return Json.parseStrings(headerValue);
    }
}
