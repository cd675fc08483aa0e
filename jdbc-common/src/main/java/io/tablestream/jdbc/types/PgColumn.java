package io.tablestream.jdbc.types;

/**
 * A column as the PostgreSQL catalog describes it.
 *
 * @param name     column name, unquoted
 * @param typeName {@code pg_type.typname} of the column's type, or of the base type for a domain (e.g. {@code int4}, {@code timestamptz})
 * @param typmod   {@code pg_attribute.atttypmod}: precision/scale for numeric, length for varchar, -1 when unconstrained
 * @param notNull  whether the column is declared NOT NULL
 */
public record PgColumn(String name, String typeName, int typmod, boolean notNull) {

    /** Precision of a {@code numeric(p,s)} column, or -1 when unconstrained. */
    public int numericPrecision() {
        return typmod < 4 ? -1 : ((typmod - 4) >> 16) & 0xffff;
    }

    /** Scale of a {@code numeric(p,s)} column, or -1 when unconstrained. */
    public int numericScale() {
        return typmod < 4 ? -1 : (typmod - 4) & 0xffff;
    }
}
