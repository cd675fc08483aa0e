package io.tablestream.sink;

import io.tablestream.jdbc.types.BinaryOut;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * The COPY data of a flush in one growable array, so rows cost no intermediate strings; a row is a range of it
 * ({@link PreparedRow}). Text rows are written value by value with COPY's text escaping (backslash, newline, carriage
 * return and tab escaped; \N for null) as UTF-8; binary rows through {@link BinaryOut}, each value behind its length.
 */
final class CopyBuffer implements BinaryOut {

    private static final int INITIAL_CAPACITY = 64 * 1024;
    /** Beyond this a buffer is not kept for the next flush, so one huge flush does not pin the heap. */
    private static final int MAX_KEPT_CAPACITY = 16 * 1024 * 1024;
    private static final long MILLIS_PER_DAY = 86_400_000L;
    private static final byte[] NULL = {'\\', 'N'};
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes = new byte[INITIAL_CAPACITY];
    private int size;

    /** Empties the buffer for the next flush; ranges handed out before no longer hold. */
    void reset() {
        if (bytes.length > MAX_KEPT_CAPACITY) {
            bytes = new byte[INITIAL_CAPACITY];
        }
        size = 0;
    }

    int size() {
        return size;
    }

    void appendByte(char ascii) {
        ensure(1);
        bytes[size++] = (byte) ascii;
    }

    void appendNull() {
        ensure(2);
        bytes[size++] = NULL[0];
        bytes[size++] = NULL[1];
    }

    /** A value's PostgreSQL text, escaped for COPY; null writes {@code \N}. Unpaired surrogates become '?' as in getBytes. */
    void appendValue(String text) {
        if (text == null) {
            appendNull();
            return;
        }
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                appendAscii(c);
            } else {
                i = appendNonAscii(text, i, c);
            }
        }
    }

    @Override
    public void writeUtf8(String text) {
        int length = text.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                ensure(1);
                bytes[size++] = (byte) c;
            } else {
                i = appendNonAscii(text, i, c);
            }
        }
    }

    @Override
    public void writeByte(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
    }

    @Override
    public void writeShort(int value) {
        ensure(2);
        bytes[size++] = (byte) (value >>> 8);
        bytes[size++] = (byte) value;
    }

    @Override
    public void writeInt(int value) {
        ensure(4);
        putInt(size, value);
        size += 4;
    }

    @Override
    public void writeLong(long value) {
        writeInt((int) (value >>> 32));
        writeInt((int) value);
    }

    @Override
    public void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    /** Writes a placeholder for a binary value's length; {@link #endLength} fills it in once the value is written. */
    int startLength() {
        writeInt(0);
        return size;
    }

    void endLength(int valueStart) {
        putInt(valueStart - 4, size - valueStart);
    }

    private void putInt(int at, int value) {
        bytes[at] = (byte) (value >>> 24);
        bytes[at + 1] = (byte) (value >>> 16);
        bytes[at + 2] = (byte) (value >>> 8);
        bytes[at + 3] = (byte) value;
    }

    /** A whole number in decimal, as {@code String.valueOf} writes it. */
    void appendLong(long value) {
        if (value == Long.MIN_VALUE) {
            ensure(MIN_LONG.length);
            System.arraycopy(MIN_LONG, 0, bytes, size, MIN_LONG.length);
            size += MIN_LONG.length;
            return;
        }
        ensure(20);
        if (value < 0) {
            bytes[size++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) {
            digits++;
        }
        int end = size + digits;
        for (int i = end - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size = end;
    }

    /**
     * A Connect Timestamp as timestamptz text, {@code 2024-02-29 23:30:15.123000+00} (PostgreSQL's BC suffix before
     * year 1, ahead of the zone), as the type catalog writes it but without its intermediate objects.
     */
    void appendUtcTimestamp(long epochMillis) {
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(epochMillis, MILLIS_PER_DAY));
        long millisOfDay = Math.floorMod(epochMillis, MILLIS_PER_DAY);
        int year = day.getYear();
        ensure(40);
        appendPadded(year <= 0 ? 1 - year : year, 4);
        bytes[size++] = '-';
        appendPadded(day.getMonthValue(), 2);
        bytes[size++] = '-';
        appendPadded(day.getDayOfMonth(), 2);
        bytes[size++] = ' ';
        appendPadded((int) (millisOfDay / 3_600_000), 2);
        bytes[size++] = ':';
        appendPadded((int) (millisOfDay / 60_000 % 60), 2);
        bytes[size++] = ':';
        appendPadded((int) (millisOfDay / 1000 % 60), 2);
        bytes[size++] = '.';
        appendPadded((int) (millisOfDay % 1000) * 1000, 6);
        if (year <= 0) {
            bytes[size++] = ' ';
            bytes[size++] = 'B';
            bytes[size++] = 'C';
        }
        bytes[size++] = '+';
        bytes[size++] = '0';
        bytes[size++] = '0';
    }

    /** The bytes {@code [start, end)} one char each: equal strings for equal bytes, whatever the format. */
    String key(int start, int end) {
        return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /** The text of {@code [start, end)}. */
    String text(int start, int end) {
        return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }

    /** A copy of the bytes {@code [start, end)}, for tests. */
    byte[] bytes(int start, int end) {
        return Arrays.copyOfRange(bytes, start, end);
    }

    void writeTo(CopyIn in, int start, int end) throws SQLException {
        in.writeToCopy(bytes, start, end - start);
    }

    /** A non-negative number in at least {@code width} digits, zero-padded; the caller has ensured room. */
    private void appendPadded(int value, int width) {
        int digits = 1;
        for (int rest = value / 10; rest != 0; rest /= 10) {
            digits++;
        }
        for (int i = digits; i < width; i++) {
            bytes[size++] = '0';
        }
        int end = size + digits;
        for (int i = end - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size = end;
    }

    private void appendAscii(char c) {
        switch (c) {
            case '\\' -> escape('\\');
            case '\n' -> escape('n');
            case '\r' -> escape('r');
            case '\t' -> escape('t');
            default -> {
                ensure(1);
                bytes[size++] = (byte) c;
            }
        }
    }

    private void escape(char c) {
        ensure(2);
        bytes[size++] = '\\';
        bytes[size++] = (byte) c;
    }

    /** Encodes the char at {@code i} (and its low surrogate) as UTF-8; returns the index of the last char used. */
    private int appendNonAscii(String text, int i, char c) {
        ensure(4);
        if (c < 0x800) {
            bytes[size++] = (byte) (0xc0 | (c >> 6));
            bytes[size++] = (byte) (0x80 | (c & 0x3f));
        } else if (!Character.isSurrogate(c)) {
            bytes[size++] = (byte) (0xe0 | (c >> 12));
            bytes[size++] = (byte) (0x80 | ((c >> 6) & 0x3f));
            bytes[size++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                && Character.isLowSurrogate(text.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, text.charAt(i + 1));
            bytes[size++] = (byte) (0xf0 | (cp >> 18));
            bytes[size++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            bytes[size++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            bytes[size++] = (byte) (0x80 | (cp & 0x3f));
            return i + 1;
        } else {
            bytes[size++] = '?'; // what String.getBytes(UTF_8) writes for an unpaired surrogate
        }
        return i;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
