package io.tablestream.jdbc.types;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Parses PostgreSQL's text output (DateStyle ISO, as the JDBC driver and logical replication sessions use) into
 * the java.time values the driver returns for the same value, so {@link PgType#readText} can share
 * {@link PgType#read}'s conversion. java.time's ISO parsers do not fit: PostgreSQL writes {@code +01} offsets,
 * years beyond 9999 without a sign, and a trailing {@code BC}.
 */
final class PgText {

    private static final String BC = " BC";

    private PgText() {
    }

    /** {@code 2024-02-29}, {@code 0044-03-15 BC}, {@code 10000-01-01}; infinity as the driver reads it. */
    static LocalDate date(String text) {
        return dated(text, LocalDate.MAX, LocalDate.MIN, PgText::date);
    }

    /** {@code 2024-01-02 03:04:05.123456}, optionally BC; infinity as {@link LocalDateTime#MAX}/{@code MIN}. */
    static LocalDateTime timestamp(String text) {
        return dated(text, LocalDateTime.MAX, LocalDateTime.MIN, PgText::timestamp);
    }

    /** {@code 2024-01-02 03:04:05.5+01}, {@code ...-05:30}, {@code ...+00:53:28 BC}; infinity as {@link OffsetDateTime#MAX}/{@code MIN}. */
    static OffsetDateTime timestamptz(String text) {
        return dated(text, OffsetDateTime.MAX, OffsetDateTime.MIN, PgText::timestamptz);
    }

    /**
     * {@code max} for PostgreSQL's {@code infinity}, {@code min} for {@code -infinity}; any other text is parsed
     * without its trailing {@code BC}, told whether it had one.
     */
    private static <T> T dated(String text, T max, T min, BiFunction<String, Boolean, T> parse) {
        if ("infinity".equals(text)) {
            return max;
        }
        if ("-infinity".equals(text)) {
            return min;
        }
        boolean bc = text.endsWith(BC);
        return parse.apply(bc ? text.substring(0, text.length() - BC.length()) : text, bc);
    }

    private static LocalDateTime timestamp(String value, boolean bc) {
        int space = value.indexOf(' ');
        return LocalDateTime.of(date(value.substring(0, space), bc), time(value.substring(space + 1)));
    }

    private static OffsetDateTime timestamptz(String value, boolean bc) {
        int space = value.indexOf(' ');
        String timeAndOffset = value.substring(space + 1);
        int sign = offsetStart(timeAndOffset);
        return OffsetDateTime.of(date(value.substring(0, space), bc), time(timeAndOffset.substring(0, sign)),
                ZoneOffset.of(timeAndOffset.substring(sign)));
    }

    /**
     * {@code 13:05:06.789}; PostgreSQL's {@code 24:00:00} as {@link LocalTime#MAX}, as the driver reads it. The
     * usual {@code HH:MM:SS[.fraction]} is read by hand: {@link LocalTime#parse} was the costliest step of reading a
     * streamed row with a timestamp; anything else still goes through it.
     */
    static LocalTime time(String text) {
        if (text.startsWith("24:00:00")) {
            return LocalTime.MAX;
        }
        int length = text.length();
        int hour = twoDigits(text, 0);
        int minute = twoDigits(text, 3);
        int second = twoDigits(text, 6);
        if (length < 8 || length == 9 || length > 18 || text.charAt(2) != ':' || text.charAt(5) != ':'
                || hour < 0 || minute < 0 || second < 0 || length > 8 && text.charAt(8) != '.') {
            return LocalTime.parse(text);
        }
        int nanos = 0;
        for (int i = 9; i < 18; i++) {
            int digit = i < length ? text.charAt(i) - '0' : 0;
            if (digit < 0 || digit > 9) {
                return LocalTime.parse(text);
            }
            nanos = nanos * 10 + digit;
        }
        return LocalTime.of(hour, minute, second, nanos);
    }

    /** The number in {@code text[at..at+1]}, or -1 unless both are ASCII digits. */
    private static int twoDigits(String text, int at) {
        if (text.length() < at + 2) {
            return -1;
        }
        int tens = text.charAt(at) - '0';
        int ones = text.charAt(at + 1) - '0';
        return tens < 0 || tens > 9 || ones < 0 || ones > 9 ? -1 : tens * 10 + ones;
    }

    /** {@code 13:45:30.123456+02}, {@code 00:00:00-05:30}. */
    static OffsetTime timetz(String text) {
        int sign = offsetStart(text);
        return OffsetTime.of(time(text.substring(0, sign)), ZoneOffset.of(text.substring(sign)));
    }

    private static int offsetStart(String timeAndOffset) {
        int sign = Math.max(timeAndOffset.lastIndexOf('+'), timeAndOffset.lastIndexOf('-'));
        if (sign < 1) {
            throw new IllegalArgumentException("no UTC offset");
        }
        return sign;
    }

    private static LocalDate date(String text, boolean bc) {
        int firstDash = text.indexOf('-', 1);
        int secondDash = text.indexOf('-', firstDash + 1);
        int year = Integer.parseInt(text.substring(0, firstDash));
        int month = Integer.parseInt(text.substring(firstDash + 1, secondDash));
        int day = Integer.parseInt(text.substring(secondDash + 1));
        return LocalDate.of(bc ? 1 - year : year, month, day); // 1 BC is year 0 of the proleptic calendar
    }

    /** Whether an array literal (optionally preceded by bounds like {@code [0:1][0:1]=}) has nested braces. */
    static boolean isMultiDimensional(String text) {
        int start = text.startsWith("[") ? text.indexOf('=') + 1 : 0;
        return text.charAt(start) == '{' && skipSpaces(text, start + 1) < text.length()
                && text.charAt(skipSpaces(text, start + 1)) == '{';
    }

    /**
     * The elements of a one-dimensional array literal such as {@code {1,NULL,"b c","say \"hi\""}} (optionally
     * preceded by bounds like {@code [0:1]=}): quotes and backslash escapes removed, unquoted {@code NULL} as null.
     */
    static List<String> arrayElements(String text) {
        int start = 0;
        if (text.startsWith("[")) {
            start = text.indexOf('=') + 1; // explicit lower bounds: the elements are what matter
        }
        if (text.charAt(start) != '{' || text.charAt(text.length() - 1) != '}') {
            throw new IllegalArgumentException("not an array literal");
        }
        List<String> elements = new ArrayList<>();
        int end = text.length() - 1;
        int i = skipSpaces(text, start + 1);
        if (i == end) {
            return elements;
        }
        while (true) {
            StringBuilder element = new StringBuilder();
            boolean quoted = false;
            int lastSignificant = 0; // length of the unquoted element without trailing spaces
            char c = text.charAt(i);
            if (c == '{') {
                throw new IllegalArgumentException("multi-dimensional arrays are not supported");
            }
            if (c == '"') {
                quoted = true;
                i++;
                while (text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\') {
                        i++;
                    }
                    element.append(text.charAt(i++));
                }
                i++;
            } else {
                while (text.charAt(i) != ',' && i != end) {
                    if (text.charAt(i) == '\\') {
                        i++;
                        element.append(text.charAt(i++));
                        lastSignificant = element.length();
                    } else {
                        element.append(text.charAt(i));
                        if (!Character.isWhitespace(text.charAt(i))) {
                            lastSignificant = element.length();
                        }
                        i++;
                    }
                }
                element.setLength(lastSignificant);
            }
            String value = element.toString();
            elements.add(!quoted && value.equalsIgnoreCase("NULL") ? null : value);
            i = skipSpaces(text, i);
            if (i == end) {
                return elements;
            }
            if (text.charAt(i) != ',') {
                throw new IllegalArgumentException("unexpected '" + text.charAt(i) + "' in array literal");
            }
            i = skipSpaces(text, i + 1);
        }
    }

    private static int skipSpaces(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }
}
