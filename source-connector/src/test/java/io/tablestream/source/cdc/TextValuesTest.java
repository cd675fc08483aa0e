package io.tablestream.source.cdc;

import io.tablestream.jdbc.types.PgColumn;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TextValuesTest {

    private static Object convert(String type, int typmod, String text) {
        return TextValues.convert(new PgColumn("c", type, typmod, false), text);
    }

    @Test
    void numbersAndBooleans() {
        assertEquals((short) -3, convert("int2", -1, "-3"));
        assertEquals(42, convert("int4", -1, "42"));
        assertEquals(9_000_000_000L, convert("int8", -1, "9000000000"));
        assertEquals(Float.POSITIVE_INFINITY, convert("float4", -1, "Infinity"));
        assertEquals(0.1d, convert("float8", -1, "0.1"));
        assertEquals(new BigDecimal("12.50"), convert("numeric", (12 << 16 | 2) + 4, "12.5"));
        assertEquals("NaN", convert("numeric", -1, "NaN"));
        assertEquals(true, convert("bool", -1, "t"));
        assertEquals(false, convert("bool", -1, "f"));
        assertNull(convert("int4", -1, null));
    }

    @Test
    void datesAndTimes() {
        assertEquals(Date.from(Instant.parse("2024-02-29T00:00:00Z")), convert("date", -1, "2024-02-29"));
        assertEquals(new Date(13 * 3_600_000L + 5 * 60_000L + 6_789), convert("time", -1, "13:05:06.789"));
        assertEquals(Date.from(Instant.parse("2024-01-02T03:04:05.123Z")),
                convert("timestamp", -1, "2024-01-02 03:04:05.123456"));
        assertEquals(Date.from(Instant.parse("2024-01-02T02:04:05Z")),
                convert("timestamptz", -1, "2024-01-02 03:04:05+01"));
        assertEquals(Date.from(Instant.parse("2024-01-02T08:34:05.5Z")),
                convert("timestamptz", -1, "2024-01-02 03:04:05.5-05:30"));
    }

    @Test
    void textLikeAndBytes() {
        assertEquals("{\"a\": 1}", convert("jsonb", -1, "{\"a\": 1}"));
        assertEquals("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", convert("uuid", -1, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        assertArrayEquals(new byte[]{0x0a, (byte) 0xff}, (byte[]) convert("bytea", -1, "\\x0aff"));
    }
}
