package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Function;

/** Builds the {@link ConnectType} of a schema: names first (Connect, tablestream, Debezium), then the primitive type. */
final class ConnectTypes {

    private static final long MICROS_PER_DAY = 86_400_000_000L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ConnectTypes() {
    }

    static ConnectType resolve(Schema schema) {
        ConnectType named = schema.name() == null ? null : named(schema);
        return named != null ? named : primitive(schema);
    }

    private static ConnectType named(Schema schema) {
        return switch (schema.name()) {
            case Decimal.LOGICAL_NAME -> new ConnectType(ConnectToPostgres.decimalType(schema), Types.NUMERIC,
                    v -> (BigDecimal) v, v -> ((BigDecimal) v).toPlainString());
            case Date.LOGICAL_NAME -> new ConnectType("date", Types.DATE, v -> utc(v).toLocalDate(),
                    v -> date(utc(v).toLocalDate()));
            case Time.LOGICAL_NAME -> new ConnectType("time", Types.TIME, v -> utc(v).toLocalTime(),
                    v -> timeOfDayMicros(utc(v).toLocalTime().toNanoOfDay() / 1000));
            case Timestamp.LOGICAL_NAME -> new ConnectType("timestamptz", Types.TIMESTAMP_WITH_TIMEZONE,
                    v -> utc(v).atOffset(ZoneOffset.UTC), v -> timestamp(utc(v)) + "+00");
            // Untyped text, as COPY sends it, so a json or text column keeps the document as sent: bound as jsonb
            // it would be normalised (keys reordered, repeated keys dropped, spaces changed).
            case SchemaNames.JSON, DebeziumSchemaNames.JSON -> ConnectType.textual("jsonb", v -> (String) v);
            case SchemaNames.UUID, DebeziumSchemaNames.UUID -> new ConnectType("uuid", Types.OTHER,
                    v -> ConnectToPostgres.uuid((String) v), v -> ConnectToPostgres.uuid((String) v).toString());
            case SchemaNames.NUMERIC -> new ConnectType("numeric", Types.NUMERIC,
                    v -> ConnectToPostgres.numericValue((String) v), v -> ConnectToPostgres.numericText((String) v));
            case SchemaNames.ENUM, DebeziumSchemaNames.ENUM, DebeziumSchemaNames.ENUM_SET ->
                    ConnectType.textual("text", v -> (String) v);
            // The text output of the type the schema names: untyped, so the column's own type reads it
            case SchemaNames.PG_TEXT -> ConnectType.textual("text", v -> (String) v);
            case SchemaNames.TIMESTAMP_MICROS -> ConnectType.textual("timestamp", v -> timestampMicros((Long) v, ""));
            case DebeziumSchemaNames.MICRO_TIMESTAMP ->
                    ConnectType.textual("timestamp", v -> timestampMicros(DebeziumInfinity.micros((Long) v), ""));
            case DebeziumSchemaNames.TIMESTAMP ->
                    ConnectType.textual("timestamp",
                            v -> timestampMicros(DebeziumInfinity.millisToMicros((Long) v), ""));
            case DebeziumSchemaNames.NANO_TIMESTAMP ->
                    ConnectType.textual("timestamp", v -> timestamp(micros(Math.floorDiv((Long) v, 1000L))));
            case SchemaNames.TIMESTAMPTZ_MICROS -> ConnectType.textual("timestamptz",
                    v -> timestampMicros((Long) v, "+00"));
            case DebeziumSchemaNames.ZONED_TIMESTAMP -> ConnectType.textual("timestamptz", v -> (String) v);
            case SchemaNames.TIME_MICROS, DebeziumSchemaNames.MICRO_TIME ->
                    ConnectType.textual("time", v -> timeOfDayMicros((Long) v));
            case DebeziumSchemaNames.TIME -> ConnectType.textual("time", v -> timeOfDayMicros((Integer) v * 1000L));
            case DebeziumSchemaNames.NANO_TIME -> ConnectType.textual("time", v -> timeOfDayMicros((Long) v / 1000));
            case SchemaNames.TIMETZ, DebeziumSchemaNames.ZONED_TIME -> ConnectType.textual("timetz", v -> (String) v);
            case DebeziumSchemaNames.DATE -> ConnectType.textual("date", v -> date(LocalDate.ofEpochDay((Integer) v)));
            case SchemaNames.INTERVAL, DebeziumSchemaNames.INTERVAL -> ConnectType.textual("interval", v -> (String) v);
            case DebeziumSchemaNames.MICRO_DURATION -> ConnectType.textual("interval", v -> v + " microseconds");
            case DebeziumSchemaNames.XML -> ConnectType.textual("xml", v -> (String) v);
            case DebeziumSchemaNames.VARIABLE_SCALE_DECIMAL -> new ConnectType("numeric", Types.NUMERIC,
                    ConnectTypes::variableScaleDecimal, v -> variableScaleDecimal(v).toPlainString());
            default -> null; // an unknown name: the primitive type decides
        };
    }

    private static ConnectType primitive(Schema schema) {
        return switch (schema.type()) {
            case INT8 -> new ConnectType("smallint", Types.SMALLINT, v -> ((Byte) v).shortValue(), String::valueOf);
            case INT16 -> new ConnectType("smallint", Types.SMALLINT, v -> v, String::valueOf);
            case INT32 -> new ConnectType("integer", Types.INTEGER, v -> v, String::valueOf);
            case INT64 -> new ConnectType("bigint", Types.BIGINT, v -> v, String::valueOf);
            case FLOAT32 -> new ConnectType("real", Types.REAL, v -> v, String::valueOf);
            case FLOAT64 -> new ConnectType("double precision", Types.DOUBLE, v -> v, String::valueOf);
            case BOOLEAN -> new ConnectType("boolean", Types.BOOLEAN, v -> v, v -> (Boolean) v ? "t" : "f");
            // Untyped text, read with the column's own type as COPY reads it: bound as varchar, a STRING field (and
            // its null) failed in a numeric, inet, range, json or uuid column that COPY fills from the same text.
            case STRING -> new ConnectType("text", Types.OTHER, v -> v, v -> (String) v);
            case BYTES -> new ConnectType("bytea", Types.BINARY, ConnectTypes::bytes, v -> hex(bytes(v)));
            case ARRAY -> array(schema);
            case MAP, STRUCT -> ConnectType.textual("jsonb", v -> JsonText.write(schema, v));
        };
    }

    /** Arrays of any element type: {@code element[]}, written as a PostgreSQL array literal. */
    private static ConnectType array(Schema schema) {
        ConnectType element = resolve(schema.valueSchema());
        String base = element.columnType().endsWith("[]") ? element.columnType() : element.columnType() + "[]";
        boolean nested = schema.valueSchema().type() == Schema.Type.ARRAY;
        Function<Object, String> text = v -> arrayLiteral((List<?>) v, element, nested);
        return ConnectType.textual(base, text);
    }

    /** A one-dimensional array of {@code element}s into a column of {@code columnType}, as an array literal. */
    static ConnectType arrayOf(String columnType, ConnectType element) {
        return ConnectType.textual(columnType, v -> arrayLiteral((List<?>) v, element, false));
    }

    private static String arrayLiteral(List<?> values, ConnectType element, boolean nested) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            String text = element.toText(values.get(i));
            if (text == null) {
                out.append("NULL");
            } else if (nested) {
                out.append(text); // a sub-array literal is not quoted
            } else {
                ArrayLiteral.appendQuoted(out, text);
            }
        }
        return out.append('}').toString();
    }

    private static LocalDateTime utc(Object value) {
        return LocalDateTime.ofInstant(Instant.ofEpochMilli(((java.util.Date) value).getTime()), ZoneOffset.UTC);
    }

    /** The source sends infinity/-infinity as the largest/smallest INT64: write them back as such. */
    private static String timestampMicros(long micros, String zoneSuffix) {
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            return micros == Long.MAX_VALUE ? "infinity" : "-infinity";
        }
        return timestamp(micros(micros)) + zoneSuffix;
    }

    /**
     * The wall clock of a timestamp without time zone in one of its forms (our source's TimestampMicros, Debezium's
     * Timestamp, MicroTimestamp, NanoTimestamp); null for infinity and -infinity.
     */
    static LocalDateTime wallClock(String schemaName, long value) {
        long micros = switch (schemaName) {
            case SchemaNames.TIMESTAMP_MICROS -> value;
            case DebeziumSchemaNames.MICRO_TIMESTAMP -> DebeziumInfinity.micros(value);
            case DebeziumSchemaNames.TIMESTAMP -> DebeziumInfinity.millisToMicros(value);
            case DebeziumSchemaNames.NANO_TIMESTAMP -> Math.floorDiv(value, 1000L);
            default -> throw new IllegalArgumentException("Not a wall-clock timestamp: " + schemaName);
        };
        return micros == Long.MAX_VALUE || micros == Long.MIN_VALUE ? null : micros(micros);
    }

    private static LocalDateTime micros(long micros) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
    }

    /** {@code 2024-02-29 23:30:15.123456}, with PostgreSQL's BC suffix for years before 1. */
    static String timestamp(LocalDateTime t) {
        StringBuilder out = new StringBuilder(32);
        appendDate(out, t.toLocalDate(), false).append(' ');
        appendTimeOfDay(out, t.toLocalTime().toNanoOfDay() / 1000);
        return (t.getYear() <= 0 ? out.append(" BC") : out).toString();
    }

    static String date(LocalDate d) {
        return appendDate(new StringBuilder(16), d, true).toString();
    }

    /** {@code 13:45:30.123456}; PostgreSQL's {@code time} also holds 24:00:00, which LocalTime cannot. */
    static String timeOfDayMicros(long micros) {
        if (micros == MICROS_PER_DAY) {
            return "24:00:00";
        }
        if (micros < 0 || micros > MICROS_PER_DAY) {
            throw new DataException("A time of day of " + micros + " microseconds is outside 00:00..24:00");
        }
        return appendTimeOfDay(new StringBuilder(16), micros).toString();
    }

    // Hand-rolled rather than String.format: these run for every date/time value the sink writes with COPY, and
    // Formatter showed up as a tenth of the sink's CPU in a profile.
    private static StringBuilder appendDate(StringBuilder out, LocalDate d, boolean bcSuffix) {
        int year = d.getYear() <= 0 ? 1 - d.getYear() : d.getYear();
        pad(out, year, 4).append('-');
        pad(out, d.getMonthValue(), 2).append('-');
        pad(out, d.getDayOfMonth(), 2);
        return bcSuffix && d.getYear() <= 0 ? out.append(" BC") : out;
    }

    private static StringBuilder appendTimeOfDay(StringBuilder out, long micros) {
        long seconds = micros / 1_000_000;
        pad(out, (int) (seconds / 3600), 2).append(':');
        pad(out, (int) (seconds / 60 % 60), 2).append(':');
        pad(out, (int) (seconds % 60), 2).append('.');
        return pad(out, (int) (micros % 1_000_000), 6);
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }

    private static BigDecimal variableScaleDecimal(Object value) {
        Struct struct = (Struct) value;
        return new BigDecimal(new BigInteger(bytes(struct.get("value"))), struct.getInt32("scale"));
    }

    static byte[] bytes(Object value) {
        if (value instanceof byte[] array) {
            return array;
        }
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] array = new byte[buffer.remaining()];
        buffer.get(array);
        return array;
    }

    /** bytea's hex input form, {@code \x0a1b}. */
    private static String hex(byte[] bytes) {
        return "\\x" + hexDigits(bytes);
    }

    /** The bytes as lower-case hex digits, two a byte. */
    static String hexDigits(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }
}
