package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.jdbi.v3.core.Handle;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table's columns as Connect sees them: a reader for each column, the value schema (all of them) and the key
 * schema (the primary key, if any). Read once per table from the catalog.
 */
public record TableSchema(TableId table, List<ColumnReader> columns, List<String> keyColumns,
                          Schema keySchema, Schema valueSchema, boolean rowVersions) {

    static final String COLUMNS_SQL = """
            SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull
            FROM pg_attribute a
            WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    /**
     * A type, and how SQL writes it with the modifier (the first two parameters): a pg_catalog type as format_type()
     * does ({@code bit(3)}, {@code bit varying}), any other with its quoted schema and name whatever the search_path,
     * followed by the modifier format_type() prints (PostGIS {@code (Point,4326)}).
     */
    static final String TYPE_SQL = """
            SELECT t.typname, n.nspname, t.typtype, t.typbasetype, t.typtypmod, t.typnotnull, t.typelem, t.typcategory,
              CASE WHEN n.nspname = 'pg_catalog' THEN format_type(t.oid, ?)
                   ELSE quote_ident(n.nspname) || '.' || quote_ident(t.typname)
                        || substr(format_type(t.oid, ?), length(format_type(t.oid, NULL)) + 1) END
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE t.oid = ?""";

    static final String PRIMARY_KEY_SQL = """
            SELECT a.attname
            FROM pg_index i
            JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos) ON true
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = ?::regclass AND i.indisprimary
            ORDER BY k.pos""";

    /**
     * Reads column {@code index} (1-based, in {@link #columns()} order) of the current row. A value its Connect type
     * cannot hold fails naming table, column and the fix: microseconds since 1970 in an INT64 end in January 294247,
     * PostgreSQL timestamps go on to 294276.
     */
    public Object read(ResultSet rs, int index) throws SQLException {
        ColumnReader column = columns.get(index - 1);
        try {
            return column.read(rs, index);
        } catch (ArithmeticException e) {
            throw doesNotFit(column, e);
        } catch (DataException e) {
            throw inTable(e);
        }
    }

    /**
     * Reads a value as PostgreSQL's text output sends it (the CDC stream), failing like {@link #read} when its
     * Connect type cannot hold it.
     */
    public Object readText(ColumnReader column, String text) {
        try {
            return column.readText(text);
        } catch (DataException e) {
            if (e.getCause() instanceof ArithmeticException overflow) {
                throw doesNotFit(column, overflow);
            }
            throw inTable(e);
        }
    }

    /** The error of a value that cannot be read, naming the table (the column's reader names the column). */
    private DataException inTable(DataException e) {
        return new DataException("Table " + table + ": " + e.getMessage(), e);
    }

    private DataException doesNotFit(ColumnReader column, ArithmeticException e) {
        return new DataException("Column '" + column.column().name() + "' of table " + table + " holds a value"
                + " that does not fit its Connect type " + column.schema().type() + " (" + e.getMessage() + "; a"
                + " timestamp after 294247-01-10 does not fit microseconds since 1970): set"
                + " time.precision.mode=connect (milliseconds), or leave such rows out (mode=query with a WHERE"
                + " on the column, or a CHECK constraint on the table)", e);
    }

    /**
     * The row the result set stands on as a value Struct: columns 1..n in {@link #columns()} order, each through
     * {@link #read} (so a value its Connect type cannot hold fails the same way in every mode).
     */
    public Struct readValue(ResultSet rs) throws SQLException {
        Struct value = new Struct(valueSchema);
        for (int i = 0; i < columns.size(); i++) {
            value.put(columns.get(i).column().name(), read(rs, i + 1));
        }
        return value;
    }

    /** The key Struct of a row read by {@link #readValue}, null for a table without a key. */
    public Struct key(Struct value) {
        if (keySchema == null) {
            return null;
        }
        Struct key = new Struct(keySchema);
        for (String column : keyColumns) {
            key.put(column, value.get(column));
        }
        return key;
    }

    /** Reads a table's schema; a missing table is an error naming the config key that listed it. */
    public static TableSchema read(Handle handle, TableId table, PgTypeCatalog catalog) {
        Optional<String> exists = handle.createQuery("SELECT to_regclass(?)::text").bind(0, table.quoted())
                .mapTo(String.class).findOne();
        if (exists.isEmpty()) {
            throw new ConnectException("Table " + table + " listed in " + PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG
                    + " does not exist (or the connector's user cannot see it); create it or fix the list");
        }
        return read(handle, table, table.quoted(), catalog);
    }

    /**
     * The schema of the table with this pg_class oid, named {@code table}: read by the oid, never by a name (the
     * table may have been renamed, or moved to a schema the connector's user has no USAGE on).
     */
    public static TableSchema readByOid(Handle handle, TableId table, long oid, PgTypeCatalog catalog) {
        return read(handle, table, (Object) oid, catalog);
    }

    /**
     * {@code regclass}: what names the relation to {@code ?::regclass}, its quoted name (String) or its oid (Long: a
     * number, as text would be read as a name).
     */
    private static TableSchema read(Handle handle, TableId table, Object regclass, PgTypeCatalog catalog) {
        List<PgColumn> pgColumns = columns(handle, regclass);
        List<String> keyColumns = handle.createQuery(PRIMARY_KEY_SQL).bind(0, regclass)
                .mapTo(String.class).list();

        List<ColumnReader> readers = pgColumns.stream().map(catalog::readerFor).toList();
        boolean rowVersions = handle.createQuery("SELECT relkind::text IN ('r', 'p', 'm') FROM pg_class WHERE oid = ?::regclass")
                .bind(0, regclass).mapTo(Boolean.class).one();
        return of(table, readers, keyColumns, rowVersions);
    }

    /** The columns of a relation (quoted name, resolvable by regclass), domains resolved to their base types. */
    static List<PgColumn> columns(Handle handle, String quotedRelation) {
        return columns(handle, (Object) quotedRelation);
    }

    /** {@code relation}: its quoted name (String) or its oid (Long). */
    private static List<PgColumn> columns(Handle handle, Object quotedRelation) {
        record Attribute(String name, long typeOid, int typmod, boolean notNull) {
        }
        List<Attribute> attributes = handle.createQuery(COLUMNS_SQL).bind(0, quotedRelation)
                .map((rs, ctx) -> new Attribute(rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getBoolean(4)))
                .list();
        List<PgColumn> columns = new ArrayList<>();
        for (Attribute a : attributes) {
            columns.add(resolve(handle, a.name(), a.typeOid(), a.typmod(), a.notNull()));
        }
        return columns;
    }

    /**
     * The column as a value of type {@code typeOid} (domains and arrays resolved), or empty when the type does not
     * exist any more (dropped since a WAL record using it was written).
     */
    public static Optional<PgColumn> resolveIfTypeExists(Handle handle, String name, long typeOid, int typmod,
                                                         boolean notNull) {
        boolean exists = handle.createQuery("SELECT count(*) > 0 FROM pg_type WHERE oid = ?").bind(0, typeOid)
                .mapTo(Boolean.class).one();
        return exists ? Optional.of(resolve(handle, name, typeOid, typmod, notNull)) : Optional.empty();
    }

    /** Follows domains to their base type and arrays to their element type. */
    static PgColumn resolve(Handle handle, String name, long typeOid, int typmod, boolean notNull) {
        record PgTypeRow(String name, String schema, String typtype, long baseType, int baseTypmod, boolean notNull,
                         long element, String category, String sqlType) {
        }
        PgTypeRow type = handle.createQuery(TYPE_SQL).bind(0, typmod).bind(1, typmod).bind(2, typeOid)
                .map((rs, ctx) -> new PgTypeRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getInt(5), rs.getBoolean(6), rs.getLong(7), rs.getString(8), rs.getString(9)))
                .one();
        if ("d".equals(type.typtype())) {
            return resolve(handle, name, type.baseType(), typmod >= 0 ? typmod : type.baseTypmod(),
                    notNull || type.notNull());
        }
        if ("A".equals(type.category()) && type.element() != 0) {
            return PgColumn.ofArray(name, type.name(), notNull, resolve(handle, name, type.element(), typmod, false));
        }
        if ("e".equals(type.typtype())) {
            return PgColumn.ofEnum(name, type.schema(), type.name(), notNull);
        }
        return PgColumn.ofBase(name, type.schema(), type.name(), typmod, notNull, type.sqlType());
    }

    public static TableSchema of(TableId table, List<ColumnReader> readers, List<String> keyColumns) {
        return of(table, readers, keyColumns, true);
    }

    /**
     * @param rowVersions whether rows carry {@code xmin} (tables, partitioned tables and materialized views do,
     *                    views do not)
     */
    static TableSchema of(TableId table, List<ColumnReader> readers, List<String> keyColumns, boolean rowVersions) {
        String schemaName = table.schema() + "." + table.table();
        SchemaBuilder value = SchemaBuilder.struct().name(schemaName + ".Value").optional();
        readers.forEach(r -> value.field(r.column().name(), r.schema()));
        Schema keySchema = null;
        if (!keyColumns.isEmpty()) {
            SchemaBuilder key = SchemaBuilder.struct().name(schemaName + ".Key");
            for (String k : keyColumns) {
                ColumnReader reader = readers.stream().filter(r -> r.column().name().equals(k)).findFirst()
                        .orElseThrow(() -> new ConnectException("Primary key column " + k + " of " + table
                                + " is not among the columns the records carry"));
                key.field(k, reader.schema());
            }
            keySchema = CanonicalSchemas.of(key.build());
        }
        return new TableSchema(table, List.copyOf(readers), List.copyOf(keyColumns), keySchema,
                CanonicalSchemas.of(value.build()), rowVersions);
    }

    public ColumnReader column(String name) {
        return columns.stream().filter(c -> c.column().name().equals(name)).findFirst().orElse(null);
    }

    /** Index (0-based) of a column among the readers, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).column().name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
