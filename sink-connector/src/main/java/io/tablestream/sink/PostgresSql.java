package io.tablestream.sink;


import java.util.List;
import java.util.stream.Collectors;

/** The SQL text the sink runs; table and column names come as {@link QuoteIdentifiers} writes them. */
final class PostgresSql {

    /** Whether a relation rows can be inserted into exists, by exact (unquoted) schema and table name. */
    static final String TABLE_EXISTS = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p', 'v', 'f'))";

    /**
     * Makes tasks take turns on DDL for one table, keyed by its {@code schema.table} name: concurrent CREATE TABLE IF
     * NOT EXISTS fails with a unique violation on pg_type, and an ALTER planned from a catalog read before another
     * task's ALTER could undo it. Transaction-scoped, so it holds until the DDL commits.
     */
    static final String LOCK_TABLE_NAME = "SELECT pg_advisory_xact_lock(hashtext(?))";

    /** Whether a schema of this exact (unquoted) name exists. */
    static final String SCHEMA_EXISTS = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?)";

    /**
     * Whether the table ({@code to_regclass} text) has a unique index ON CONFLICT can use for exactly these columns
     * (distinct names, bound twice as text[]): not partial, not on expressions, not deferrable, no INCLUDE columns.
     */
    static final String HAS_UNIQUE_INDEX_ON = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
            + " WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indimmediate AND i.indpred IS NULL"
            + " AND i.indexprs IS NULL AND i.indnatts = i.indnkeyatts AND i.indnkeyatts = cardinality(?::text[])"
            + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid"
            + " AND a.attnum = ANY (i.indkey) AND a.attname::text <> ALL (?::text[])))";

    private PostgresSql() {
    }

    /**
     * {@code INSERT INTO t (cols) VALUES (?, ...)}; for upsert followed by {@code ON CONFLICT (keys) DO UPDATE SET c =
     * EXCLUDED.c, ...}, or {@code DO NOTHING} when every column is a key column.
     */
    static String insertOrUpdate(String table, List<SinkColumn> columns, InsertMode mode) {
        if (mode != InsertMode.UPDATE) {
            return insert(table, columns, mode);
        }
        return update(table, columns.stream().filter(SinkColumn::primaryKey).toList(),
                columns.stream().filter(c -> !c.primaryKey()).toList());
    }

    static String insert(String table, List<SinkColumn> columns, InsertMode mode) {
        if (mode == InsertMode.UPDATE) {
            throw new IllegalArgumentException("insert.mode=update writes with update(), not insert()");
        }
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table)
                .append(" (").append(join(columns)).append(") VALUES (")
                .append(columns.stream().map(c -> "?").collect(Collectors.joining(", "))).append(')');
        if (mode == InsertMode.UPSERT) {
            List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
            List<SinkColumn> others = columns.stream().filter(c -> !c.primaryKey()).toList();
            if (keys.isEmpty()) {
                throw new IllegalStateException("An upsert into " + table + " needs primary key columns");
            }
            sql.append(" ON CONFLICT (").append(join(keys)).append(')');
            if (others.isEmpty()) {
                sql.append(" DO NOTHING");
            } else {
                sql.append(" DO UPDATE SET ").append(others.stream()
                        .map(c -> c.sqlName() + " = EXCLUDED." + c.sqlName())
                        .collect(Collectors.joining(", ")));
            }
        }
        return sql.toString();
    }

    /** {@code UPDATE t SET v = ?, ... WHERE k = ? AND ...}: binds the value columns first, then the keys. */
    static String update(String table, List<SinkColumn> keys, List<SinkColumn> values) {
        return "UPDATE " + table + " SET " + values.stream().map(c -> c.sqlName() + " = ?")
                .collect(Collectors.joining(", ")) + " WHERE " + keys.stream().map(c -> c.sqlName() + " = ?")
                .collect(Collectors.joining(" AND "));
    }

    /** {@code DELETE FROM t WHERE k = ? AND ...}. */
    static String delete(String table, List<SinkColumn> keys) {
        return "DELETE FROM " + table + " WHERE " + keys.stream().map(c -> c.sqlName() + " = ?")
                .collect(Collectors.joining(" AND "));
    }

    /** {@code COPY t (cols) FROM STDIN}, text format: tab-separated, \N for null. */
    static String copyFrom(String quotedTable, List<SinkColumn> columns) {
        return "COPY " + quotedTable + " (" + join(columns) + ") FROM STDIN";
    }

    /** A temporary table with the target's column types, dropped when the transaction ends; kept if already there. */
    static String createStage(String stage, String table, List<SinkColumn> columns) {
        return "CREATE TEMP TABLE IF NOT EXISTS " + stage + " ON COMMIT DROP AS SELECT " + join(columns) + " FROM "
                + table + " WITH NO DATA";
    }

    /** Moves the staged rows into the table: INSERT ... SELECT [ON CONFLICT ...] or UPDATE ... FROM. */
    static String mergeStage(String stage, String table, List<SinkColumn> columns, InsertMode mode) {
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        List<SinkColumn> others = columns.stream().filter(c -> !c.primaryKey()).toList();
        if (mode == InsertMode.UPDATE) {
            return "UPDATE " + table + " t SET " + others.stream()
                    .map(c -> c.sqlName() + " = s." + c.sqlName()).collect(Collectors.joining(", "))
                    + " FROM " + stage + " s WHERE " + keyMatch(keys);
        }
        String insert = "INSERT INTO " + table + " (" + join(columns) + ") SELECT " + join(columns)
                + " FROM " + stage;
        return mode == InsertMode.UPSERT ? insert + onConflict(keys, others) : insert;
    }

    /** Inserts the staged rows whose keys the table lacks: INSERT ... SELECT ... WHERE NOT EXISTS ... ON CONFLICT. */
    static String insertMissingFromStage(String stage, String table, List<SinkColumn> columns) {
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        List<SinkColumn> others = columns.stream().filter(c -> !c.primaryKey()).toList();
        return "INSERT INTO " + table + " (" + join(columns) + ") SELECT " + join(columns) + " FROM " + stage
                + " s WHERE NOT EXISTS (SELECT 1 FROM " + table + " t WHERE " + keyMatch(keys) + ")"
                + onConflict(keys, others);
    }

    /** {@code DELETE FROM t USING stage s WHERE t.k = s.k AND ...}. */
    static String deleteUsingStage(String stage, String table, List<SinkColumn> keys) {
        return "DELETE FROM " + table + " t USING " + stage + " s WHERE " + keyMatch(keys);
    }

    private static String keyMatch(List<SinkColumn> keys) {
        return keys.stream().map(c -> "t." + c.sqlName() + " = s." + c.sqlName())
                .collect(Collectors.joining(" AND "));
    }

    private static String onConflict(List<SinkColumn> keys, List<SinkColumn> others) {
        return " ON CONFLICT (" + join(keys) + ")" + (others.isEmpty() ? " DO NOTHING" : " DO UPDATE SET "
                + others.stream().map(c -> c.sqlName() + " = EXCLUDED." + c.sqlName())
                .collect(Collectors.joining(", ")));
    }

    /** {@code CREATE TABLE IF NOT EXISTS t (c type [NOT NULL], ..., PRIMARY KEY (keys))}. */
    static String createTable(String table, List<SinkColumn> columns) {
        return createTable(table, columns, columns.stream().map(SinkColumn::definition).toList());
    }

    static String createTable(String table, List<SinkColumn> columns, List<String> definitions) {
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(table).append(" (")
                .append(String.join(", ", definitions));
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        if (!keys.isEmpty()) {
            sql.append(", PRIMARY KEY (").append(join(keys)).append(')');
        }
        return sql.append(')').toString();
    }

    private static String join(List<SinkColumn> columns) {
        return columns.stream().map(SinkColumn::sqlName).collect(Collectors.joining(", "));
    }
}
