package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table's columns as Connect sees them: readers for the columns we can map, the value schema (all of them)
 * and the key schema (the primary key, if any). Read once per table from the catalog.
 */
public record TableSchema(TableId table, List<ColumnReader> columns, List<String> keyColumns,
                          Schema keySchema, Schema valueSchema) {

    private static final Logger log = LoggerFactory.getLogger(TableSchema.class);

    static final String COLUMNS_SQL = """
            SELECT a.attname AS name,
                   CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END AS type_name,
                   CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
                   a.attnotnull AS not_null
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
            WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    static final String PRIMARY_KEY_SQL = """
            SELECT a.attname
            FROM pg_index i
            JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos) ON true
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = ?::regclass AND i.indisprimary
            ORDER BY k.pos""";

    /** Reads a table's schema; a missing table is an error naming the config key that listed it. */
    public static TableSchema read(Handle handle, TableId table) {
        Optional<String> exists = handle.createQuery("SELECT to_regclass(?)::text").bind(0, table.quoted())
                .mapTo(String.class).findOne();
        if (exists.isEmpty()) {
            throw new ConnectException("Table " + table + " listed in " + PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG
                    + " does not exist (or the connector's user cannot see it); create it or fix the list");
        }
        List<PgColumn> pgColumns = handle.createQuery(COLUMNS_SQL).bind(0, table.quoted())
                .map((rs, ctx) -> new PgColumn(rs.getString("name"), rs.getString("type_name"), rs.getInt("typmod"),
                        rs.getBoolean("not_null")))
                .list();
        List<String> keyColumns = handle.createQuery(PRIMARY_KEY_SQL).bind(0, table.quoted())
                .mapTo(String.class).list();

        List<ColumnReader> readers = new ArrayList<>();
        for (PgColumn column : pgColumns) {
            Optional<ColumnReader> reader = PgTypeCatalog.reader(column);
            if (reader.isPresent()) {
                readers.add(reader.get());
            } else {
                log.warn("Table {} column {} has type {}, which tablestream does not map yet; the column is skipped",
                        table, column.name(), column.typeName());
            }
        }
        return of(table, readers, keyColumns);
    }

    public static TableSchema of(TableId table, List<ColumnReader> readers, List<String> keyColumns) {
        String schemaName = table.schema() + "." + table.table();
        SchemaBuilder value = SchemaBuilder.struct().name(schemaName + ".Value").optional();
        readers.forEach(r -> value.field(r.column().name(), r.schema()));
        Schema keySchema = null;
        if (!keyColumns.isEmpty()) {
            SchemaBuilder key = SchemaBuilder.struct().name(schemaName + ".Key");
            for (String k : keyColumns) {
                ColumnReader reader = readers.stream().filter(r -> r.column().name().equals(k)).findFirst()
                        .orElseThrow(() -> new ConnectException("Primary key column " + k + " of " + table
                                + " has a type tablestream cannot map yet"));
                key.field(k, reader.schema());
            }
            keySchema = key.build();
        }
        return new TableSchema(table, List.copyOf(readers), List.copyOf(keyColumns), keySchema, value.build());
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
