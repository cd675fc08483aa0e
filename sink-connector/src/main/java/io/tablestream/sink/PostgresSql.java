package io.tablestream.sink;

import io.tablestream.jdbc.TableId;

import java.util.List;
import java.util.stream.Collectors;

/** The SQL text the sink runs; every identifier in it is quoted. */
final class PostgresSql {

    /** Whether a relation rows can be inserted into exists, by exact (unquoted) schema and table name. */
    static final String TABLE_EXISTS = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p', 'v', 'f'))";

    private PostgresSql() {
    }

    /**
     * {@code INSERT INTO t (cols) VALUES (?, ...)}; for upsert followed by {@code ON CONFLICT (keys) DO UPDATE SET c =
     * EXCLUDED.c, ...}, or {@code DO NOTHING} when every column is a key column.
     */
    static String insert(TableId table, List<SinkColumn> columns, InsertMode mode) {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table.quoted())
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
                        .map(c -> c.quotedName() + " = EXCLUDED." + c.quotedName())
                        .collect(Collectors.joining(", ")));
            }
        }
        return sql.toString();
    }

    /** {@code CREATE TABLE IF NOT EXISTS t (c type [NOT NULL], ..., PRIMARY KEY (keys))}. */
    static String createTable(TableId table, List<SinkColumn> columns) {
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(table.quoted()).append(" (")
                .append(columns.stream().map(SinkColumn::definition).collect(Collectors.joining(", ")));
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        if (!keys.isEmpty()) {
            sql.append(", PRIMARY KEY (").append(join(keys)).append(')');
        }
        return sql.append(')').toString();
    }

    private static String join(List<SinkColumn> columns) {
        return columns.stream().map(SinkColumn::quotedName).collect(Collectors.joining(", "));
    }
}
