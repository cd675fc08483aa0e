package io.tablestream.jdbc.types;

import java.util.function.Function;

/**
 * How values of one Connect schema go into PostgreSQL, resolved once by {@link ConnectToPostgres#of}: the column type
 * for DDL, the JDBC type and value for binding, and the value's text form for {@code COPY}.
 */
public final class ConnectType {

    private final String columnType;
    private final int jdbcType;
    private final Function<Object, Object> jdbc;
    private final Function<Object, String> text;

    ConnectType(String columnType, int jdbcType, Function<Object, Object> jdbc, Function<Object, String> text) {
        this.columnType = columnType;
        this.jdbcType = jdbcType;
        this.jdbc = jdbc;
        this.text = text;
    }

    /** A type whose values bind as their text form, typed by the server from the column ({@code Types.OTHER}). */
    static ConnectType textual(String columnType, Function<Object, String> text) {
        return new ConnectType(columnType, java.sql.Types.OTHER, text::apply, text);
    }

    /** The column type for CREATE TABLE / ALTER TABLE, e.g. {@code numeric(10,2)} or {@code integer[]}. */
    public String columnType() {
        return columnType;
    }

    /** The {@link java.sql.Types} code to bind nulls and, for {@code OTHER}, untyped text. */
    public int jdbcType() {
        return jdbcType;
    }

    /** The value to bind with {@code setObject}; null for null. */
    public Object toJdbc(Object value) {
        return value == null ? null : jdbc.apply(value);
    }

    /** The value as PostgreSQL reads it from text input (not yet escaped for COPY); null for null. */
    public String toText(Object value) {
        return value == null ? null : text.apply(value);
    }
}
