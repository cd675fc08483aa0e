package io.tablestream.jdbc.types;

import io.tablestream.jdbc.Json;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.BitSet;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How values of a schema go into an existing column whose type reads them differently from the type
 * {@link ConnectToPostgres#of} would create: Debezium's forms of {@code bit}, {@code hstore}, {@code point} and
 * PostGIS values (which would otherwise reach the column as the text of another type, bytea's hex, jsonb, a JSON
 * object, and be refused row by row), wall-clock times into {@code timestamptz}, and floating point numbers into
 * {@code numeric}. Empty where the schema's own mapping is the one to use.
 */
public final class ColumnTargetTypes {

    private static final int EWKB_SRID_FLAG = 0x20000000;
    /** Timestamps without a zone: a {@code timestamp} column's value as Debezium and the tablestream source send it. */
    private static final Set<String> WALL_CLOCK_TIMESTAMPS = Set.of(SchemaNames.TIMESTAMP_MICROS,
            DebeziumSchemaNames.MICRO_TIMESTAMP, DebeziumSchemaNames.TIMESTAMP, DebeziumSchemaNames.NANO_TIMESTAMP);

    private ColumnTargetTypes() {
    }

    /**
     * The mapping of {@code schema} into a column of {@code columnType} (as format_type() writes it, e.g.
     * {@code bit(4)}, {@code public.hstore}, {@code geometry(Point,4326)}), where it differs from the schema's own;
     * {@code dbTimeZone} is the zone of wall-clock times (db.timezone).
     */
    public static Optional<ConnectType> forColumn(Schema schema, String columnType, ZoneId dbTimeZone) {
        if (columnType.endsWith("[]")) {
            // An array's elements go in as a single element would (a wall-clock time into timestamptz[] in
            // db.timezone, a Debezium Point into point[]), in one array literal
            return schema.type() == Schema.Type.ARRAY
                    ? forColumn(schema.valueSchema(), columnType.substring(0, columnType.length() - 2), dbTimeZone)
                            .map(element -> ConnectTypes.arrayOf(columnType, element))
                    : Optional.empty();
        }
        String base = baseType(columnType);
        if ((base.equals("bit") || base.equals("bit varying")) && schema.name() == null
                && schema.type() == Schema.Type.BOOLEAN) {
            // Debezium sends bit(1) as BOOLEAN; bit's input reads 1 and 0, not t and f
            return Optional.of(ConnectType.textual(columnType, v -> (Boolean) v ? "1" : "0"));
        }
        if (base.equals("bit") && DebeziumSchemaNames.BITS.equals(schema.name())) {
            int length = bitLength(columnType);
            return Optional.of(ConnectType.textual(columnType, v -> bitString(ConnectTypes.bytes(v), length)));
        }
        boolean utc = dbTimeZone.normalized().equals(ZoneOffset.UTC);
        if (base.equals("timestamp with time zone") && WALL_CLOCK_TIMESTAMPS.contains(String.valueOf(schema.name()))) {
            // A wall-clock time carries no zone: taken in db.timezone, not in the session's zone, which pgjdbc
            // sets from the worker JVM's default (a row's instant would hang on the worker). Java resolves the zone,
            // as it does for the source and for instants into timestamp: given the name, PostgreSQL would read CET,
            // EET, MET and WET as fixed abbreviations without summer time, SystemV/EST5EDT as a POSIX zone with
            // today's rules, and use its own tzdata's history. A time in the repeated hour is read as PostgreSQL
            // reads it, in the offset after the change
            String name = schema.name();
            ConnectType own = ConnectToPostgres.of(schema);
            return Optional.of(ConnectType.textual(columnType, v -> {
                LocalDateTime wallClock = ConnectTypes.wallClock(name, (Long) v);
                return wallClock == null ? own.toText(v) // infinity, in any zone
                        : ConnectTypes.timestamp(LocalDateTime.ofInstant(wallClock.atZone(dbTimeZone).withLaterOffsetAtOverlap().toInstant(),
                        ZoneOffset.UTC)) + "+00";
            }));
        }
        if (base.equals("timestamp without time zone") && Timestamp.LOGICAL_NAME.equals(schema.name())) {
            // Bound as an instant, the server would convert it to the session's (the worker JVM's) wall clock;
            // COPY's text with +00, whose offset a timestamp ignores, gives the UTC wall clock
            ConnectType own = ConnectToPostgres.of(schema);
            return Optional.of(ConnectType.textual(columnType, utc ? own::toText
                    : v -> ConnectTypes.timestamp(LocalDateTime.ofInstant(((Date) v).toInstant(), dbTimeZone))));
        }
        if (base.equals("numeric") && schema.name() == null
                && (schema.type() == Schema.Type.FLOAT64 || schema.type() == Schema.Type.FLOAT32)) {
            // Bound as a double, PostgreSQL's float8-to-numeric cast keeps 15 significant digits, losing the 16th
            // and 17th of Debezium's decimal.handling.mode=double; Java 17's Double.toString may add digits
            return Optional.of(ConnectType.textual(columnType, ColumnTargetTypes::shortestDecimal));
        }
        if (base.equals("hstore") && DebeziumSchemaNames.JSON.equals(schema.name())) {
            return Optional.of(ConnectType.textual(columnType, v -> hstoreFromJson((String) v)));
        }
        if (base.equals("hstore") && schema.type() == Schema.Type.MAP
                && schema.keySchema().type() == Schema.Type.STRING) {
            return Optional.of(ConnectType.textual(columnType, v -> hstore((Map<?, ?>) v)));
        }
        if ((base.equals("geometry") || base.equals("geography")) && isDebeziumGeometry(schema)) {
            return Optional.of(ConnectType.textual(columnType, v -> ewkbHex((Struct) v)));
        }
        if (base.equals("point") && isDebeziumPoint(schema)) {
            return Optional.of(ConnectType.textual(columnType, ColumnTargetTypes::point));
        }
        return Optional.empty();
    }

    /** Debezium's geometry, geography and point Structs: {@code wkb} BYTES and an optional {@code srid}. */
    public static boolean isDebeziumGeometry(Schema schema) {
        String name = schema.name();
        return (DebeziumSchemaNames.GEOMETRY.equals(name) || DebeziumSchemaNames.GEOGRAPHY.equals(name)
                || DebeziumSchemaNames.POINT.equals(name))
                && schema.type() == Schema.Type.STRUCT && schema.field("wkb") != null;
    }

    /** Debezium's form of PostgreSQL's {@code point}: a Struct of {@code x} and {@code y} beside the WKB. */
    private static boolean isDebeziumPoint(Schema schema) {
        return DebeziumSchemaNames.POINT.equals(schema.name()) && schema.type() == Schema.Type.STRUCT
                && schema.field("x") != null && schema.field("y") != null;
    }

    /**
     * {@code (x,y)}, point's input form, each coordinate the shortest decimal that reads back as the same double
     * (float8's input reads it exactly).
     */
    static String point(Object value) {
        Struct point = (Struct) value;
        Object x = point.get("x");
        Object y = point.get("y");
        if (x == null || y == null) {
            throw new DataException("The point has no " + (x == null ? "x" : "y")
                    + " coordinate; a point column takes only points with both");
        }
        return "(" + coordinate(x) + "," + coordinate(y) + ")";
    }

    /** As {@link #shortestDecimal}, keeping the sign of -0, which float8 keeps too. */
    private static String coordinate(Object value) {
        double number = ((Number) value).doubleValue();
        return number == 0 && 1 / number < 0 ? "-0" : shortestDecimal(number); // a float's own digits are not its double's
    }

    /**
     * {@code public.geometry(Point,4326)[]} -> {@code geometry}; {@code bit varying(8)} -> {@code bit varying};
     * {@code timestamp(3) with time zone} -> {@code timestamp with time zone}.
     */
    public static String baseType(String columnType) {
        String type = columnType.replaceAll("\\([^)]*\\)", "");
        if (type.endsWith("[]")) {
            type = type.substring(0, type.length() - 2);
        }
        int dot = type.lastIndexOf('.');
        return (dot >= 0 ? type.substring(dot + 1) : type).replace("\"", "").trim();
    }

    /** The n of {@code bit(n)}; PostgreSQL writes plain {@code bit} for bit(1). */
    public static int bitLength(String columnType) {
        int open = columnType.indexOf('(');
        return open < 0 ? 1 : Integer.parseInt(columnType.substring(open + 1, columnType.indexOf(')', open)).trim());
    }

    /**
     * Debezium's bytes of a bit string: the string read as a binary number, little-endian (its last bit is bit 0 of
     * the first byte), so the leading zeros are gone; {@code bit(n)} has exactly n bits, which gives them back.
     */
    static String bitString(byte[] bytes, int length) {
        BitSet bits = BitSet.valueOf(bytes);
        if (bits.length() > length) {
            throw new DataException("The bit string has " + bits.length() + " significant bits, more than the "
                    + length + " of the column");
        }
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[length - 1 - i] = bits.get(i) ? '1' : '0';
        }
        return new String(out);
    }

    private static String hstoreFromJson(String json) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new DataException("The hstore value is not JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new DataException("The hstore value is not a JSON object of text values");
        }
        return hstore(map);
    }

    /** {@code "k"=>"v", "k2"=>NULL}: hstore's input form, every key and value quoted. */
    static String hstore(Map<?, ?> entries) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<?, ?> entry : entries.entrySet()) {
            if (entry.getKey() == null) {
                throw new DataException("An hstore key is null");
            }
            Object value = entry.getValue();
            if (value instanceof Map<?, ?> || value instanceof Iterable<?>) {
                throw new DataException("The hstore value of key '" + entry.getKey() + "' is not text");
            }
            if (!out.isEmpty()) {
                out.append(", ");
            }
            ArrayLiteral.appendQuoted(out, entry.getKey().toString());
            out.append("=>");
            if (value == null) {
                out.append("NULL");
            } else {
                ArrayLiteral.appendQuoted(out, value.toString());
            }
        }
        return out.toString();
    }

    /**
     * The shortest decimal that reads back as the same double (or float), as PostgreSQL 12+ prints float8: 0.1 is
     * 0.1, 1.0E23 is 100000000000000000000000 (Java 17's Double.toString gives 9.999999999999999E22) and 1 is 1, not
     * 1.0, whose scale numeric would keep. NaN and the infinities as numeric reads them.
     */
    static String shortestDecimal(Object value) {
        double number = ((Number) value).doubleValue();
        if (!Double.isFinite(number)) {
            return Double.toString(number);
        }
        if (number == 0) {
            return "0";
        }
        boolean isFloat = value instanceof Float;
        BigDecimal exact = new BigDecimal(number);
        // Every decimal of up to 15 significant digits (a float's 6) reads back as the double it rounds to, so
        // rounding to 15 gives the shortest form padded with zeros whenever it has 15 digits or fewer
        for (int digits = isFloat ? 6 : 15; digits < 17; digits++) {
            BigDecimal rounded = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            boolean same = isFloat ? rounded.floatValue() == (Float) value : rounded.doubleValue() == number;
            if (same) {
                return rounded.stripTrailingZeros().toPlainString();
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros().toPlainString();
    }

    /**
     * PostGIS reads hex EWKB: the WKB with the SRID put in (the type's SRID flag set and the SRID after it), since
     * Debezium sends the SRID beside plain WKB. Without an SRID, or with the WKB already extended, the WKB as it is.
     */
    static String ewkbHex(Struct geometry) {
        byte[] wkb = ConnectTypes.bytes(geometry.get("wkb"));
        Object srid = geometry.schema().field("srid") == null ? null : geometry.get("srid");
        if (wkb.length < 5) {
            throw new DataException("The geometry's wkb has " + wkb.length + " bytes, too few for WKB");
        }
        boolean littleEndian = wkb[0] == 1;
        int type = readInt(wkb, 1, littleEndian);
        if (srid == null || (type & EWKB_SRID_FLAG) != 0) {
            return hex(wkb);
        }
        byte[] ewkb = new byte[wkb.length + 4];
        ewkb[0] = wkb[0];
        writeInt(ewkb, 1, type | EWKB_SRID_FLAG, littleEndian);
        writeInt(ewkb, 5, (Integer) srid, littleEndian);
        System.arraycopy(wkb, 5, ewkb, 9, wkb.length - 5);
        return hex(ewkb);
    }

    private static int readInt(byte[] bytes, int at, boolean littleEndian) {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int b = bytes[at + (littleEndian ? 3 - i : i)] & 0xff;
            value = (value << 8) | b;
        }
        return value;
    }

    private static void writeInt(byte[] bytes, int at, int value, boolean littleEndian) {
        for (int i = 0; i < 4; i++) {
            bytes[at + (littleEndian ? i : 3 - i)] = (byte) (value >>> (8 * i));
        }
    }

    private static String hex(byte[] bytes) {
        return ConnectTypes.hexDigits(bytes);
    }
}
