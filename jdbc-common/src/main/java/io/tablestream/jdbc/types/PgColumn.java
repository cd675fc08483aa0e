package io.tablestream.jdbc.types;

import io.tablestream.jdbc.Identifiers;

/**
 * A column as the PostgreSQL catalog describes it, with domains already resolved to their base type.
 *
 * @param name       column name, unquoted
 * @param typeName   {@code pg_type.typname} of the column's type, or of the base type for a domain (e.g. {@code int4},
 *                   {@code timestamptz}); for an enum the enum type's name, for an array the array type's (e.g. {@code _int4})
 * @param typmod     {@code pg_attribute.atttypmod} (or the domain's): precision/scale for numeric, length for varchar,
 *                   -1 when unconstrained; for an array it applies to the elements
 * @param notNull    whether the column (or its domain) is declared NOT NULL
 * @param kind       plain type, enum or array
 * @param typeSchema schema of the type (names enums, e.g. {@code public} for {@code public.mood})
 * @param element    for an array, its element as a nullable column of the same name; otherwise null
 * @param sqlType    the type as SQL writes it: {@code format_type()} with the modifier for a pg_catalog type (e.g.
 *                   {@code bit(3)}, {@code bit varying}), its quoted schema and name (and modifier) for any other
 *                   (e.g. {@code public.hstore}, {@code "My Types"."a pair"}), an array's element type with {@code []}
 */
public record PgColumn(String name, String typeName, int typmod, boolean notNull, Kind kind, String typeSchema,
                       PgColumn element, String sqlType) {

    static final String PG_CATALOG = "pg_catalog";

    /** How a type is built: {@code pg_type.typtype} 'b'ase, 'e'num, or an array of another type. */
    public enum Kind { BASE, ENUM, ARRAY }

    /** A plain (non-enum, non-array) column of a pg_catalog type whose name SQL writes as {@code typeName}. */
    public PgColumn(String name, String typeName, int typmod, boolean notNull) {
        this(name, typeName, typmod, notNull, Kind.BASE, PG_CATALOG, null, typeName);
    }

    /** A plain (non-enum, non-array) column of type {@code typeSchema.typeName}, written {@code sqlType} in SQL. */
    public static PgColumn ofBase(String name, String typeSchema, String typeName, int typmod, boolean notNull,
                                  String sqlType) {
        return new PgColumn(name, typeName, typmod, notNull, Kind.BASE, typeSchema, null, sqlType);
    }

    /** An enum column of type {@code typeSchema.typeName}. */
    public static PgColumn ofEnum(String name, String typeSchema, String typeName, boolean notNull) {
        return new PgColumn(name, typeName, -1, notNull, Kind.ENUM, typeSchema, null,
                Identifiers.quote(typeSchema) + "." + Identifiers.quote(typeName));
    }

    /** An array column whose elements are described by {@code element} (its name and nullability are replaced). */
    public static PgColumn ofArray(String name, String arrayTypeName, boolean notNull, PgColumn element) {
        PgColumn nullableElement = element.withNotNull(false);
        return new PgColumn(name, arrayTypeName, element.typmod, notNull, Kind.ARRAY, PG_CATALOG, nullableElement,
                element.sqlType + "[]");
    }

    /** This column, NOT NULL or not. */
    public PgColumn withNotNull(boolean notNull) {
        return new PgColumn(name, typeName, typmod, notNull, kind, typeSchema, element, sqlType);
    }

    /** Precision of a {@code numeric(p,s)} column, or -1 when unconstrained. */
    public int numericPrecision() {
        return typmod < 4 ? -1 : ((typmod - 4) >> 16) & 0xffff;
    }

    /** Scale of a {@code numeric(p,s)} column, or -1 when unconstrained. */
    public int numericScale() {
        return typmod < 4 ? -1 : (typmod - 4) & 0xffff;
    }
}
