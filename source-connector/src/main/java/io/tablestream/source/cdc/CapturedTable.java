package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.TableSchema;
import io.tablestream.source.cdc.PgOutputMessage.Relation;
import io.tablestream.source.cdc.PgOutputMessage.TupleData;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A captured table as the latest relation message describes it: the column list comes from the WAL (so a column
 * added or dropped shows in the records after the change), types, NOT NULL and the primary key from the catalog,
 * so the schema is the query modes' schema.
 *
 * @param readers                one per relation column
 * @param unavailablePlaceholder   what an unavailable text or bytes field holds, null: nothing
 * @param types                  the type mapping the readers come from
 * @param relationOid            the pg_class oid the relation message gives
 */
record CapturedTable(TableSchema schema, String topic, List<ColumnReader> readers, String unavailablePlaceholder,
                     PgTypeCatalog types, long relationOid) {

    private static final Logger log = LoggerFactory.getLogger(CapturedTable.class);

    /**
     * The table a relation oid names now, if it still exists as a table (it may have been renamed since; an oid
     * reused by an index or a sequence is not it), and whether the connector's user may read it.
     */
    private static final String TABLE_NOW_SQL = """
            SELECT n.nspname, c.relname, has_table_privilege(c.oid, 'SELECT')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = ? AND c.relkind IN ('r', 'p')""";

    /** What the catalog says of a relation's oid now: its name and whether the connector's user may read it. */
    record TableNow(TableId table, boolean readable) {

        /** The one catalog lookup a relation message costs. */
        static Optional<TableNow> of(Handle handle, long oid) {
            return handle.createQuery(TABLE_NOW_SQL).bind(0, oid)
                    .map((rs, ctx) -> new TableNow(new TableId(rs.getString(1), rs.getString(2)), rs.getBoolean(3)))
                    .findOne();
        }
    }

    /**
     * The captured table a relation message describes, under the name the message gives (so its topic and schema
     * names are the ones the table had when these changes were written). The catalog is read by the relation's
     * oid, never by a name: the table may have been renamed since (another table may even have its old name, or it
     * may be in a schema the connector's user has no USAGE on now), or dropped, and then the WAL's description is
     * all there is.
     *
     * @param now what {@link TableNow#of} says of the relation's oid (empty: dropped)
     */
    static CapturedTable of(Relation relation, Optional<TableNow> now, Handle handle, String topic,
                            PgTypeCatalog types, String unavailablePlaceholder) {
        TableId table = new TableId(relation.namespace(), relation.name());
        long oid = Integer.toUnsignedLong(relation.relationId());
        if (now.isPresent() && !now.get().table().equals(table)) {
            log.info("Table {} is named {} now; its changes written before the rename go to {}'s topic", table,
                    now.get().table(), table);
        }
        Catalog catalog = now.isPresent() ? Catalog.read(handle, table, oid, types) : null;
        Map<String, ColumnReader> columns = catalog == null ? Map.of() : catalog.schema().columns().stream()
                .collect(Collectors.toMap(r -> r.column().name(), Function.identity()));
        List<ColumnReader> readers = new ArrayList<>();
        for (PgOutputMessage.Column column : relation.columns()) {
            readers.add(reader(handle, table, relation, column, columns.get(column.name()), types));
        }
        List<String> keys = keyColumns(relation, catalog == null ? null : catalog.schema().keyColumns(), readers);
        if (now.isEmpty()) {
            log.warn("Table {} (oid {}) no longer exists: its changes written before it was dropped are streamed as"
                    + " the WAL describes them, every field but the key optional (NOT NULL is not in the WAL){}",
                    table, oid, keyOfDropped(relation, keys));
        }
        // The identity the WAL describes decides whether values may be missing, as it decides what the WAL holds.
        List<String> toastable = catalog == null ? List.of() : catalog.toastable();
        TableSchema schema = UnavailableValues.relax(TableSchema.of(table, readers, keys), relation.replicaIdentity(),
                toastable, types);
        return new CapturedTable(schema, topic, schema.columns(), unavailablePlaceholder, types, oid);
    }

    /**
     * What a dropped table's records are keyed by, said in its warning: the WAL flags the replica identity's
     * columns, which are the primary key only under REPLICA IDENTITY DEFAULT.
     */
    private static String keyOfDropped(Relation relation, List<String> keys) {
        return switch (relation.replicaIdentity()) {
            case UnavailableValues.REPLICA_IDENTITY_FULL -> " and without a key (under REPLICA IDENTITY FULL the WAL"
                    + " does not say which columns were the primary key)";
            case 'i' -> "; keyed by the columns of its REPLICA IDENTITY USING INDEX " + keys + ", which may not be"
                    + " its primary key";
            case 'n' -> "; without a key: under REPLICA IDENTITY NOTHING the WAL names no key column";
            default -> "";
        };
    }

    /** The catalog's description of a table, read by its oid; null when the catalog refuses it. */
    private record Catalog(TableSchema schema, List<String> toastable) {

        static Catalog read(Handle handle, TableId table, long oid, PgTypeCatalog types) {
            try {
                return new Catalog(TableSchema.readByOid(handle, table, oid, types),
                        UnavailableValues.profile(handle, table, oid).toastable());
            } catch (UnableToExecuteStatementException e) {
                if (!(e.getCause() instanceof SQLException sql) || sql.getSQLState() == null
                        || !sql.getSQLState().startsWith("42")) {
                    throw e; // a lost connection, say: the stream reconnects and reads the relation again
                }
                log.warn("Table {} (oid {}): the catalog cannot be read ({}); its changes are streamed as the WAL"
                        + " describes them, as for a dropped table", table, oid, sql.getMessage());
                return null;
            }
        }
    }

    /**
     * The record key's columns. The catalog's key, as the snapshot uses it, while the WAL's description has all of
     * its columns; when it lacks some (a key column renamed since these changes were written), or the table is gone
     * ({@code catalogKey} null), the identity's columns the WAL itself flags, under the names they had, so those
     * changes keep their key. Under REPLICA IDENTITY FULL the WAL flags every column, which says nothing of the key.
     */
    private static List<String> keyColumns(Relation relation, List<String> catalogKey, List<ColumnReader> readers) {
        List<String> described = readers.stream().map(r -> r.column().name()).toList();
        boolean full = relation.replicaIdentity() == UnavailableValues.REPLICA_IDENTITY_FULL;
        if (catalogKey != null && (described.containsAll(catalogKey) || full)) {
            return catalogKey.stream().filter(described::contains).toList();
        }
        if (full) {
            return List.of();
        }
        return relation.columns().stream().filter(PgOutputMessage.Column::partOfKey).map(PgOutputMessage.Column::name)
                .filter(described::contains).toList();
    }

    /**
     * The reader of a relation column. The relation gives the type the WAL's values were written with; the
     * catalog is read later (a connector streaming WAL written before an ALTER ... TYPE sees the new type there),
     * so its reader is used only where it reads that same type: otherwise the catalog's reader would parse an old
     * value as the new type, failing or altering it. NOT NULL comes from the catalog (the WAL does not carry it).
     */
    private static ColumnReader reader(Handle handle, TableId table, Relation relation, PgOutputMessage.Column column,
                                       ColumnReader inCatalog, PgTypeCatalog types) {
        // A column the catalog no longer has (renamed, or its table dropped) is NOT NULL if it is part of the
        // replica identity the WAL flags: a primary key's or a replica identity index's columns are.
        boolean notNull = inCatalog != null ? inCatalog.column().notNull()
                : column.partOfKey() && relation.replicaIdentity() != UnavailableValues.REPLICA_IDENTITY_FULL;
        Optional<PgColumn> written = TableSchema.resolveIfTypeExists(handle, column.name(), column.typeOid(),
                column.typmod(), notNull);
        if (written.isEmpty()) {
            // Dropped since (an enum replaced by text, say): its text output, as the WAL holds it, is all there is.
            log.warn("Table {} column {} was written with a type (oid {}) dropped since; its values of that time are"
                    + " streamed as text", table, column.name(), column.typeOid());
            return types.readerFor(new PgColumn(column.name(), "text", -1, notNull));
        }
        if (inCatalog != null && inCatalog.column().equals(written.get())) {
            return inCatalog;
        }
        return types.readerFor(written.get());
    }

    /**
     * This table, or (with a warning) one whose value schema makes optional the non-key fields a tuple holds null
     * in while they are required. NOT NULL is not in the WAL: the schema takes it from the catalog when a relation
     * is streamed, so a change written before an {@code ALTER COLUMN ... SET NOT NULL} and streamed after it can
     * hold null there, and failing on it would stop the stream at that change for good.
     */
    CapturedTable admitting(TupleData... tuples) {
        List<String> nulls = null; // allocated only in the rare case, as this runs for every change
        for (TupleData tuple : tuples) {
            for (int i = 0; i < readers.size(); i++) {
                ColumnReader reader = readers.get(i);
                if (!reader.schema().isOptional() && tuple.values().get(i) == null
                        && !schema.keyColumns().contains(reader.column().name())) {
                    nulls = nulls == null ? new ArrayList<>() : nulls;
                    nulls.add(reader.column().name());
                }
            }
        }
        if (nulls == null) {
            return this;
        }
        List<String> optionalColumns = nulls;
        log.warn("Table {} columns {} are NOT NULL in the catalog but null in a change written before that"
                + " constraint; their fields are optional from now on", table(), nulls);
        List<ColumnReader> relaxed = readers.stream()
                .map(r -> !optionalColumns.contains(r.column().name()) ? r
                        : types.readerFor(r.column().withNotNull(false))).toList();
        TableSchema optional = TableSchema.of(table(), relaxed, schema.keyColumns());
        return new CapturedTable(optional, topic, optional.columns(), unavailablePlaceholder, types, relationOid);
    }

    TableId table() {
        return schema.table();
    }

    /** The row of a tuple that holds every value (an insert's, or an old row under REPLICA IDENTITY FULL). */
    Struct row(TupleData tuple) {
        return row(tuple, null, new ArrayList<>());
    }

    /**
     * The row of an update's new tuple. A TOASTed value the update left unchanged is taken from {@code old} when
     * the replica identity sent it; otherwise the WAL does not have it: the field gets the placeholder (or null)
     * and its column is added to {@code unavailable}, never a made-up value.
     */
    Struct row(TupleData tuple, TupleData old, List<String> unavailable) {
        Struct row = new Struct(schema.valueSchema());
        for (int i = 0; i < readers.size(); i++) {
            ColumnReader reader = readers.get(i);
            String name = reader.column().name();
            if (!tuple.isUnchangedToast(i)) {
                row.put(name, schema.readText(reader, tuple.values().get(i)));
            } else if (old != null && !old.isUnchangedToast(i) && old.values().get(i) != null) {
                row.put(name, schema.readText(reader, old.values().get(i)));
            } else {
                unavailable.add(name);
                row.put(name, UnavailableValues.placeholderFor(reader.schema(), unavailablePlaceholder));
            }
        }
        return row;
    }

    /**
     * What an old-key tuple (REPLICA IDENTITY DEFAULT or USING INDEX) tells of the row: its identity columns; the
     * fields it does not send stay unset, so the Struct is only read by copying it into an all-optional schema.
     */
    Struct knownValues(TupleData tuple) {
        Struct row = new Struct(schema.valueSchema());
        for (int i = 0; i < readers.size(); i++) {
            ColumnReader reader = readers.get(i);
            String text = tuple.values().get(i);
            if (text != null && !tuple.isUnchangedToast(i)) {
                row.put(reader.column().name(), schema.readText(reader, text));
            }
        }
        return row;
    }

    /** The primary key of a row converted by {@link #row} or {@link #knownValues}, null for a table without one. */
    Struct key(Struct row) {
        return schema.key(row);
    }
}
