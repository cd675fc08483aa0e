package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.postgresql.util.PGobject;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Maps Connect schemas to PostgreSQL: the column type for DDL ({@link #columnType}), the JDBC type for binding
 * nulls ({@link #jdbcType}) and the Java value to bind ({@link #toJdbc}). Logical types and the
 * {@link SchemaNames tablestream names} are recognised by schema name before the primitive type is looked at.
 * Connect's Date, Time and Timestamp carry UTC instants, so they are bound as UTC.
 */
public final class ConnectToPostgres {

    /** Schema parameter holding a Decimal's precision, as set by the Avro converter and the tablestream source. */
    public static final String DECIMAL_PRECISION_PARAMETER = "connect.decimal.precision";

    private ConnectToPostgres() {
    }

    /** Whether the sink can write this schema to a column (ARRAY, MAP and STRUCT cannot be written yet). */
    public static boolean isSupported(Schema schema) {
        return switch (schema.type()) {
            case ARRAY, MAP, STRUCT -> false;
            default -> true;
        };
    }

    /** The PostgreSQL type for a column holding values of this schema, e.g. {@code bigint} or {@code numeric(10,2)}. */
    public static String columnType(Schema schema) {
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case Decimal.LOGICAL_NAME:
                    return decimalType(schema);
                case Date.LOGICAL_NAME:
                    return "date";
                case Time.LOGICAL_NAME:
                    return "time";
                case Timestamp.LOGICAL_NAME:
                    return "timestamptz";
                case SchemaNames.JSON:
                    return "jsonb";
                case SchemaNames.UUID:
                    return "uuid";
                case SchemaNames.NUMERIC:
                    return "numeric";
                default:
                    break; // an unknown name: the primitive type decides
            }
        }
        return switch (schema.type()) {
            case INT8, INT16 -> "smallint";
            case INT32 -> "integer";
            case INT64 -> "bigint";
            case FLOAT32 -> "real";
            case FLOAT64 -> "double precision";
            case BOOLEAN -> "boolean";
            case STRING -> "text";
            case BYTES -> "bytea";
            case ARRAY, MAP, STRUCT -> throw unsupported(schema);
        };
    }

    /** The {@link Types java.sql.Types} code used to bind a null of this schema. */
    public static int jdbcType(Schema schema) {
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case Decimal.LOGICAL_NAME, SchemaNames.NUMERIC:
                    return Types.NUMERIC;
                case Date.LOGICAL_NAME:
                    return Types.DATE;
                case Time.LOGICAL_NAME:
                    return Types.TIME;
                case Timestamp.LOGICAL_NAME:
                    return Types.TIMESTAMP_WITH_TIMEZONE;
                case SchemaNames.JSON, SchemaNames.UUID:
                    return Types.OTHER; // untyped: the server takes the column's type
                default:
                    break;
            }
        }
        return switch (schema.type()) {
            case INT8, INT16 -> Types.SMALLINT;
            case INT32 -> Types.INTEGER;
            case INT64 -> Types.BIGINT;
            case FLOAT32 -> Types.REAL;
            case FLOAT64 -> Types.DOUBLE;
            case BOOLEAN -> Types.BOOLEAN;
            case STRING -> Types.VARCHAR;
            case BYTES -> Types.BINARY;
            case ARRAY, MAP, STRUCT -> throw unsupported(schema);
        };
    }

    /**
     * The value to hand to {@code PreparedStatement.setObject} for a Connect value of this schema; {@code null} stays
     * {@code null}. Throws {@link DataException} when the value does not fit its schema (a text UUID that is not one).
     */
    public static Object toJdbc(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case Decimal.LOGICAL_NAME:
                    return (BigDecimal) value;
                case Date.LOGICAL_NAME:
                    return utc(value).toLocalDate();
                case Time.LOGICAL_NAME:
                    return utc(value).toLocalTime();
                case Timestamp.LOGICAL_NAME:
                    return utc(value).atOffset(ZoneOffset.UTC);
                case SchemaNames.JSON:
                    return jsonb((String) value);
                case SchemaNames.UUID:
                    return uuid((String) value);
                case SchemaNames.NUMERIC:
                    return numeric((String) value);
                default:
                    break;
            }
        }
        return switch (schema.type()) {
            case INT8 -> ((Byte) value).shortValue(); // PostgreSQL has no one-byte integer
            case INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING -> value;
            case BYTES -> bytes(value);
            case ARRAY, MAP, STRUCT -> throw unsupported(schema);
        };
    }

    private static String decimalType(Schema schema) {
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

    private static LocalDateTime utc(Object value) {
        return Instant.ofEpochMilli(((java.util.Date) value).getTime()).atOffset(ZoneOffset.UTC).toLocalDateTime();
    }

    private static PGobject jsonb(String json) {
        PGobject object = new PGobject();
        object.setType("jsonb");
        try {
            object.setValue(json);
        } catch (SQLException e) { // PGobject declares it but never throws it
            throw new DataException("Cannot bind a JSON value as jsonb", e);
        }
        return object;
    }

    private static UUID uuid(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new DataException("A value of schema " + SchemaNames.UUID + " is not a UUID in canonical text form", e);
        }
    }

    private static BigDecimal numeric(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new DataException("A value of schema " + SchemaNames.NUMERIC + " is not a decimal number", e);
        }
    }

    private static byte[] bytes(Object value) {
        if (value instanceof byte[] array) {
            return array;
        }
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] array = new byte[buffer.remaining()];
        buffer.get(array);
        return array;
    }

    private static ConnectException unsupported(Schema schema) {
        return new ConnectException("Connect type " + schema.type()
                + (schema.name() == null ? "" : " (" + schema.name() + ")")
                + " has no PostgreSQL mapping yet; only primitive types and the Decimal, Date, Time and Timestamp "
                + "logical types can be written");
    }
}
