package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.postgresql.util.PGobject;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.Types;
import java.util.UUID;

/**
 * Maps Connect schemas to PostgreSQL: the column type for DDL ({@link #columnType}), the JDBC type for binding
 * nulls ({@link #jdbcType}), the Java value to bind ({@link #toJdbc}) and the value's PostgreSQL text form for COPY
 * ({@link #toText}). Logical types, the {@link SchemaNames tablestream names} and Debezium's names are recognised by
 * schema name before the primitive type is looked at; {@link #of} resolves a schema once so writers do not repeat
 * that per value. Connect's Date, Time and Timestamp carry UTC instants, so they are bound as UTC.
 */
public final class ConnectToPostgres {

    /** Schema parameter holding a Decimal's precision, as set by the Avro converter and the tablestream source. */
    public static final String DECIMAL_PRECISION_PARAMETER = "connect.decimal.precision";

    private ConnectToPostgres() {
    }

    /** The resolved mapping of a schema: build it once per column and reuse it for every value. */
    public static ConnectType of(Schema schema) {
        return ConnectTypes.resolve(schema);
    }

    /** The PostgreSQL type for a column holding values of this schema, e.g. {@code bigint} or {@code numeric(10,2)}. */
    public static String columnType(Schema schema) {
        return of(schema).columnType();
    }

    /** The {@link Types java.sql.Types} code used to bind a null of this schema. */
    public static int jdbcType(Schema schema) {
        return of(schema).jdbcType();
    }

    /**
     * The value to hand to {@code PreparedStatement.setObject} for a Connect value of this schema; {@code null} stays
     * {@code null}. Throws {@link DataException} when the value does not fit its schema (a text UUID that is not one).
     */
    public static Object toJdbc(Schema schema, Object value) {
        return of(schema).toJdbc(value);
    }

    /** The value's PostgreSQL input text, e.g. {@code 2024-02-29 23:30:15.123456+00} or {@code {1,2}}; null for null. */
    public static String toText(Schema schema, Object value) {
        return of(schema).toText(value);
    }

    /** The enum type an {@link SchemaNames#ENUM} schema names, or null for any other schema. */
    public static String enumTypeName(Schema schema) {
        if (!SchemaNames.ENUM.equals(schema.name()) || schema.parameters() == null) {
            return null;
        }
        return schema.parameters().get(SchemaNames.ENUM_TYPE_PARAMETER);
    }

    /**
     * The type a {@link SchemaNames#PG_TEXT} schema names (e.g. {@code bit(3)}, {@code "My Types"."a pair"[]}), or
     * null for any other schema, and for a name that is not written as a type name alone: identifiers, quoted or
     * not, dots, {@code []} and a modifier list in balanced parentheses, with nothing that could end a column
     * definition in DDL (a quote left open, a comment, a semicolon, a parenthesis closed too early).
     */
    public static String pgTypeName(Schema schema) {
        if (!SchemaNames.PG_TEXT.equals(schema.name()) || schema.parameters() == null) {
            return null;
        }
        String name = schema.parameters().get(SchemaNames.PG_TYPE_PARAMETER);
        return name != null && isTypeName(name) ? name : null;
    }

    static boolean isTypeName(String name) {
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"') {
                quoted = !quoted; // a doubled quote inside a quoted name closes and opens it again
            } else if (quoted) {
                if (c == '\0') {
                    return false;
                }
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (--depth < 0) {
                    return false;
                }
            } else if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || " _.,[]".indexOf(c) >= 0)) {
                return false;
            }
        }
        return !quoted && depth == 0 && !name.isBlank();
    }

    static String decimalType(Schema schema) {
        String precision = schema.parameters() == null ? null : schema.parameters().get(DECIMAL_PRECISION_PARAMETER);
        if (precision == null) {
            return "numeric";
        }
        try {
            return "numeric(" + Integer.parseInt(precision) + ","
                    + Integer.parseInt(schema.parameters().get(Decimal.SCALE_FIELD)) + ")";
        } catch (NumberFormatException e) {
            throw new DataException("Decimal schema parameters " + schema.parameters() + " are not integers", e);
        }
    }

    static UUID uuid(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new DataException("A value of schema " + SchemaNames.UUID + " is not a UUID in canonical text form", e);
        }
    }

    /** PostgreSQL's numeric values that BigDecimal cannot hold; the source sends them as this text. */
    private static final java.util.Set<String> NUMERIC_SPECIALS = java.util.Set.of("NaN", "Infinity", "-Infinity");

    /** A BigDecimal, or for NaN/±Infinity a typed {@code numeric} object (BigDecimal has no such values). */
    static Object numericValue(String text) {
        if (NUMERIC_SPECIALS.contains(text)) {
            PGobject object = new PGobject();
            object.setType("numeric");
            try {
                object.setValue(text);
            } catch (SQLException e) { // PGobject declares it but never throws it
                throw new DataException("Cannot bind " + text + " as numeric", e);
            }
            return object;
        }
        return numeric(text);
    }

    /** COPY text of a numeric value: NaN/±Infinity as PostgreSQL writes them, other values in plain notation. */
    static String numericText(String text) {
        return NUMERIC_SPECIALS.contains(text) ? text : numeric(text).toPlainString();
    }

    static BigDecimal numeric(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new DataException("A value of schema " + SchemaNames.NUMERIC + " is not a decimal number", e);
        }
    }

    /** Names that mean the same as Connect's own logical types, for {@link ConnectTypes}. */
    static boolean isConnectLogical(String name) {
        return Decimal.LOGICAL_NAME.equals(name) || Date.LOGICAL_NAME.equals(name) || Time.LOGICAL_NAME.equals(name)
                || Timestamp.LOGICAL_NAME.equals(name);
    }
}
