package io.tablestream.source.cdc;

import io.tablestream.jdbc.types.PgColumn;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.HexFormat;

/**
 * pgoutput sends values in PostgreSQL's text form; this turns them into the same Connect values the query modes
 * read through the type catalog, so a table's records look the same whichever mode produced them.
 */
final class TextValues {

    private TextValues() {
    }

    /** The Connect value of {@code text} for a column the catalog maps; null stays null. */
    static Object convert(PgColumn column, String text) {
        if (text == null) {
            return null;
        }
        try {
            return switch (column.typeName()) {
                case "int2" -> Short.parseShort(text);
                case "int4" -> Integer.parseInt(text);
                case "int8" -> Long.parseLong(text);
                case "float4" -> Float.parseFloat(text);
                case "float8" -> Double.parseDouble(text);
                case "numeric" -> column.numericScale() < 0 ? text
                        : new BigDecimal(text).setScale(column.numericScale(), RoundingMode.UNNECESSARY);
                case "bool" -> "t".equals(text);
                case "bytea" -> bytea(text);
                case "date" -> Date.from(LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant());
                case "time" -> new Date(LocalTime.parse(text).toNanoOfDay() / 1_000_000L);
                case "timestamp" -> Date.from(LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC));
                case "timestamptz" -> Date.from(OffsetDateTime.parse(isoOffset(text.replace(' ', 'T'))).toInstant());
                default -> text; // text, varchar, bpchar, name, citext, char, uuid, json, jsonb
            };
        } catch (RuntimeException e) {
            throw new DataException("Column " + column.name() + " of type " + column.typeName()
                    + ": cannot read the value PostgreSQL sent (" + e.getMessage() + ")", e);
        }
    }

    /** bytea_output=hex (the default since PostgreSQL 9.0): {@code \x0a0b}. */
    private static byte[] bytea(String text) {
        if (!text.startsWith("\\x")) {
            throw new IllegalArgumentException("expected bytea in hex format (bytea_output=hex)");
        }
        return HexFormat.of().parseHex(text, 2, text.length());
    }

    /** PostgreSQL prints whole-hour offsets as {@code +01}; java.time wants {@code +01:00}. */
    static String isoOffset(String text) {
        int sign = Math.max(text.lastIndexOf('+'), text.lastIndexOf('-'));
        if (sign > 10 && text.length() - sign == 3) {
            return text + ":00";
        }
        return text;
    }
}
