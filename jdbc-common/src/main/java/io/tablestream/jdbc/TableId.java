package io.tablestream.jdbc;

import java.util.Objects;

/** A PostgreSQL table name, schema-qualified; {@code public} when the user gave a bare name. */
public record TableId(String schema, String table) {

    public static final String DEFAULT_SCHEMA = "public";

    public TableId {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        if (schema.isEmpty() || table.isEmpty()) {
            throw new IllegalArgumentException("Empty schema or table name in '" + schema + "." + table + "'");
        }
    }

    /** Parses {@code table} or {@code schema.table}; a name already in double quotes keeps its dots and case. */
    public static TableId parse(String name) {
        String trimmed = name.trim();
        int dot = Identifiers.unquotedDot(trimmed);
        if (dot < 0) {
            return new TableId(DEFAULT_SCHEMA, Identifiers.unquote(trimmed));
        }
        return new TableId(Identifiers.unquote(trimmed.substring(0, dot)), Identifiers.unquote(trimmed.substring(dot + 1)));
    }

    /** {@code "schema"."table"}, safe to splice into SQL. */
    public String quoted() {
        return Identifiers.quote(schema) + "." + Identifiers.quote(table);
    }

    /** The table name as users write it: bare for {@code public}, {@code schema.table} otherwise. */
    public String shortName() {
        return DEFAULT_SCHEMA.equals(schema) ? table : schema + "." + table;
    }

    @Override
    public String toString() {
        return schema + "." + table;
    }
}
