package io.tablestream.jdbc.types;

import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL's text output (as logical replication sends it) parsed by each family. That readText equals read for
 * the same value is proven against a real database in e2e-tests' TextValuesIT; these pin the parsing edge cases.
 */
class ReadTextTest {

    private static final PgTypeCatalog CONNECT = PgTypeCatalog.of(
            new PgTypeOptions(TimePrecisionMode.CONNECT, NumericMapping.BEST_FIT, ZoneId.of("Europe/Berlin")));

    @Test
    void readsUsualTimesByHandAsJavaTimeDoes() {
        for (String text : List.of("00:00:00", "13:05:06", "13:05:06.7", "13:05:06.789", "23:59:59.999999",
                "01:02:03.000010", "13:05:06.123456789", "13:05:06.")) {
            assertEquals(LocalTime.parse(text), PgText.time(text), text);
        }
        assertEquals(LocalTime.MAX, PgText.time("24:00:00"));
        for (String bad : List.of("25:00:00", "13:60:00", "13:5:06", "13:05:06,5", "13:05:06.1234567890",
                "1x:05:06")) {
            assertThrows(DateTimeException.class, () -> PgText.time(bad), bad);
        }
    }

    private static Object micros(String type, int typmod, String text) {
        return readText(PgTypeCatalog.of(PgTypeOptions.DEFAULTS), new PgColumn("c", type, typmod, false), text);
    }

    private static Object connect(String type, int typmod, String text) {
        return readText(CONNECT, new PgColumn("c", type, typmod, false), text);
    }

    private static Object readText(PgTypeCatalog catalog, PgColumn column, String text) {
        return catalog.readerFor(column).readText(text);
    }

    private static long epochMicros(String instant) {
        Instant parsed = Instant.parse(instant);
        return parsed.getEpochSecond() * 1_000_000L + parsed.getNano() / 1_000L;
    }

    private static int numericTypmod(int precision, int scale) {
        return ((precision << 16) | scale) + 4;
    }

    @Test
    void numbersAndBooleans() {
        assertEquals((short) -3, micros("int2", -1, "-3"));
        assertEquals(42, micros("int4", -1, "42"));
        assertEquals(9_000_000_000L, micros("int8", -1, "9000000000"));
        assertEquals(Float.POSITIVE_INFINITY, micros("float4", -1, "Infinity"));
        assertEquals(Double.NaN, micros("float8", -1, "NaN"));
        assertEquals(new BigDecimal("12.50"), micros("numeric", numericTypmod(12, 2), "12.5"));
        assertEquals("NaN", micros("numeric", -1, "NaN"));
        assertEquals(12.5d, connect("numeric", numericTypmod(12, 2), "12.50"));
        assertEquals((short) 1234, connect("numeric", numericTypmod(4, 0), "1234"));
        assertEquals(true, micros("bool", -1, "t"));
        assertEquals(false, micros("bool", -1, "f"));
        assertNull(micros("int4", -1, null));
    }

    @Test
    void datesAndTimesInBothPrecisionModes() {
        assertEquals(Date.from(Instant.parse("2024-02-29T00:00:00Z")), micros("date", -1, "2024-02-29"));
        assertEquals(Date.from(Instant.parse("-0043-03-15T00:00:00Z")), micros("date", -1, "0044-03-15 BC"));
        assertEquals(Date.from(Instant.parse("+10000-01-01T00:00:00Z")), micros("date", -1, "10000-01-01"));

        assertEquals((13 * 3_600L + 5 * 60 + 6) * 1_000_000L + 789_000, micros("time", -1, "13:05:06.789"));
        assertEquals(86_400_000_000L, micros("time", -1, "24:00:00"));
        assertEquals(new Date(13 * 3_600_000L + 5 * 60_000L + 6_789), connect("time", -1, "13:05:06.789"));

        assertEquals(epochMicros("2024-01-02T03:04:05.123456Z"), micros("timestamp", -1, "2024-01-02 03:04:05.123456"));
        assertEquals(Date.from(Instant.parse("2024-01-02T02:04:05.123Z")), // db.timezone Europe/Berlin
                connect("timestamp", -1, "2024-01-02 03:04:05.123456"));
        assertEquals(epochMicros("2024-01-02T02:04:05Z"), micros("timestamptz", -1, "2024-01-02 03:04:05+01"));
        assertEquals(epochMicros("2024-01-02T08:34:05.5Z"), micros("timestamptz", -1, "2024-01-02 03:04:05.5-05:30"));
        assertEquals(epochMicros("-0043-03-15T11:06:32Z"), micros("timestamptz", -1, "0044-03-15 12:00:00+00:53:28 BC"));
        assertEquals(Long.MAX_VALUE, micros("timestamptz", -1, "infinity"));
        assertEquals(Long.MIN_VALUE, micros("timestamp", -1, "-infinity"));
        assertEquals(new Date(Long.MAX_VALUE), connect("timestamp", -1, "infinity"));

        assertEquals("13:45:30.123456+02:00", micros("timetz", -1, "13:45:30.123456+02"));
        assertEquals("00:00:00.000000-05:30", micros("timetz", -1, "00:00:00-05:30"));
        assertEquals("24:00:00.000000+00:00", micros("timetz", -1, "24:00:00+00"));
        assertEquals("12:00:00.000000+00:53:28", micros("timetz", -1, "12:00:00+00:53:28"));
        assertEquals("P1Y2M3DT4H5M6.000007S", micros("interval", -1, "1 year 2 mons 3 days 04:05:06.000007"));
    }

    @Test
    void textLikeAndBytes() {
        assertEquals("{\"a\": 1}", micros("jsonb", -1, "{\"a\": 1}"));
        assertEquals("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", micros("uuid", -1, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        assertArrayEquals(new byte[]{0x0a, (byte) 0xff}, (byte[]) micros("bytea", -1, "\\x0aff"));
        assertArrayEquals(new byte[]{'a', 0x0a, '\\', (byte) 0xff}, (byte[]) micros("bytea", -1, "a\\012\\\\\\377"));
        assertEquals("ünïcödé", readText(PgTypeCatalog.of(PgTypeOptions.DEFAULTS),
                PgColumn.ofEnum("c", "public", "mood", false), "ünïcödé"));
    }

    @Test
    void arraysInPostgresLiteralSyntax() {
        PgColumn ints = PgColumn.ofArray("c", "_int4", false, new PgColumn("e", "int4", -1, false));
        PgColumn texts = PgColumn.ofArray("c", "_text", false, new PgColumn("e", "text", -1, false));
        PgColumn bytes = PgColumn.ofArray("c", "_bytea", false, new PgColumn("e", "bytea", -1, false));
        PgTypeCatalog catalog = PgTypeCatalog.of(PgTypeOptions.DEFAULTS);

        assertEquals(Arrays.asList(1, null, -3), readText(catalog, ints, "{1,NULL,-3}"));
        assertEquals(List.of(), readText(catalog, ints, "{}"));
        assertEquals(List.of(7, 8), readText(catalog, ints, "[0:1]={7,8}"));
        assertEquals(Arrays.asList("a", "b c", null, "NULL", "say \"hi\"", "back\\slash", "", "{x,y}"),
                readText(catalog, texts, "{a,\"b c\",NULL,\"NULL\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"\",\"{x,y}\"}"));
        List<?> decoded = (List<?>) readText(catalog, bytes, "{\"\\\\x00ff\",NULL}");
        assertArrayEquals(new byte[]{0, (byte) 0xff}, (byte[]) decoded.get(0));
        assertNull(decoded.get(1));
        assertThrows(DataException.class, () -> readText(catalog, ints, "{{1,2},{3,4}}"));
    }

    @Test
    void nanInAConstrainedNumericIsRefusedWithTheFixUnlessADoubleHoldsIt() {
        PgColumn amount = new PgColumn("amount", "numeric", (10 << 16) + 2 + 4, false);
        DataException e = assertThrows(DataException.class,
                () -> PgTypeCatalog.reader(amount).readText("NaN"));
        assertTrue(e.getMessage().contains("Column amount (numeric(10,2)) holds NaN")
                && e.getMessage().contains("unconstrained numeric"), e.getMessage());
        PgTypeCatalog bestFit = PgTypeCatalog.of(new PgTypeOptions(TimePrecisionMode.MICROSECONDS,
                NumericMapping.BEST_FIT, java.time.ZoneOffset.UTC));
        assertEquals(Double.NaN, bestFit.readerFor(amount).readText("NaN"));
    }

    @Test
    void aMultiDimensionalArrayIsRefusedWithTheFix() {
        PgColumn texts = PgColumn.ofArray("c", "_text", false, new PgColumn("e", "text", -1, false));
        ColumnReader reader = PgTypeCatalog.reader(texts);
        for (String literal : List.of("{{a,b},{c,d}}", "[0:1][1:2]={{a,b},{c,d}}", "{ {1}}")) {
            DataException e = assertThrows(DataException.class, () -> reader.readText(literal));
            assertTrue(e.getMessage().contains("Column c") && e.getMessage().contains("jsonb"), e.getMessage());
        }
        assertEquals(Arrays.asList("{a,b}", "x"), reader.readText("{\"{a,b}\",x}"));
    }

    @Test
    void badTextNamesTheColumnButNotTheValue() {
        DataException e = assertThrows(DataException.class, () -> micros("bool", -1, "secret"));
        assertTrue(e.getMessage().startsWith("Column c of type bool"));
        assertFalse(e.getMessage().contains("secret"));
    }
}
