package io.tablestream.jdbc.types;

import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The binary forms the type families write, each giving the value the text form {@link ConnectType#toText} gives:
 * PostgreSQL counts timestamps in microseconds and dates in days since 2000-01-01, and writes numeric as base-10000
 * digits.
 */
final class PgBinary {

    /** 2000-01-01 in days and microseconds since 1970-01-01. */
    static final int EPOCH_2000_DAYS = 10_957;
    static final long EPOCH_2000_MICROS = EPOCH_2000_DAYS * 86_400_000_000L;
    private static final long MILLIS_PER_DAY = 86_400_000L;
    private static final int NUMERIC_NEGATIVE = 0x4000;
    /** The largest display scale numeric's binary input accepts. */
    private static final int NUMERIC_MAX_DSCALE = 0x3FFF;

    private PgBinary() {
    }

    /**
     * Microseconds since 1970 as a timestamp; Long.MAX_VALUE/MIN_VALUE (how the source sends infinity/-infinity)
     * stay infinity/-infinity, as the text form writes them.
     */
    static void timestampMicros(long micros, BinaryOut out) {
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            out.writeLong(micros);
            return;
        }
        long since2000;
        try {
            since2000 = Math.subtractExact(micros, EPOCH_2000_MICROS);
        } catch (ArithmeticException e) {
            throw new DataException("A timestamp of " + micros + " microseconds since 1970 is out of range", e);
        }
        if (since2000 == Long.MIN_VALUE) { // would read as -infinity
            throw new DataException("A timestamp of " + micros + " microseconds since 1970 is out of range");
        }
        out.writeLong(since2000);
    }

    /** A Connect Timestamp (milliseconds since 1970). */
    static void timestampMillis(long millis, BinaryOut out) {
        long micros;
        try {
            micros = Math.multiplyExact(millis, 1000L);
        } catch (ArithmeticException e) {
            throw new DataException("A timestamp of " + millis + " milliseconds since 1970 is out of range", e);
        }
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            throw new DataException("A timestamp of " + millis + " milliseconds since 1970 is out of range");
        }
        timestampMicros(micros, out);
    }

    /** A Connect Date (midnight UTC of the day, in milliseconds since 1970). */
    static void dateMillis(long millis, BinaryOut out) {
        dateDays(Math.floorDiv(millis, MILLIS_PER_DAY), out);
    }

    /** Days since 1970; PostgreSQL's infinity values are not reachable from a finite day. */
    static void dateDays(long days, BinaryOut out) {
        long since2000 = days - EPOCH_2000_DAYS;
        if (since2000 <= Integer.MIN_VALUE || since2000 >= Integer.MAX_VALUE) {
            throw new DataException("A date " + days + " days from 1970 is out of range");
        }
        out.writeInt((int) since2000);
    }

    /**
     * numeric's binary form: digit count, weight (of the first base-10000 digit), sign, display scale, then the
     * digits, the fraction's groups aligned at the decimal point. A negative scale is written as scale 0, as
     * {@link BigDecimal#toPlainString} does.
     */
    static void numeric(BigDecimal value, BinaryOut out) {
        BigDecimal plain = value.scale() < 0 ? value.setScale(0) : value;
        int dscale = plain.scale();
        if (dscale > NUMERIC_MAX_DSCALE) {
            throw new DataException("A decimal of scale " + dscale + " is beyond numeric's " + NUMERIC_MAX_DSCALE);
        }
        BigInteger unscaled = plain.unscaledValue();
        if (unscaled.signum() == 0) {
            out.writeShort(0);
            out.writeShort(0);
            out.writeShort(0);
            out.writeShort(dscale);
            return;
        }
        String digits = unscaled.abs().toString();
        int fractionGroups = (dscale + 3) / 4;
        int total = digits.length() + fractionGroups * 4 - dscale; // with the zeros that complete the last group
        int padLeft = (4 - total % 4) % 4;
        int groups = (total + padLeft) / 4;
        int[] group = new int[groups];
        for (int i = 0; i < groups; i++) {
            int g = 0;
            for (int k = 0; k < 4; k++) {
                int at = i * 4 + k - padLeft;
                g = g * 10 + (at >= 0 && at < digits.length() ? digits.charAt(at) - '0' : 0);
            }
            group[i] = g;
        }
        int first = 0;
        while (group[first] == 0) {
            first++;
        }
        int last = groups - 1;
        while (group[last] == 0) {
            last--;
        }
        int weight = groups - fractionGroups - 1 - first;
        if (weight > Short.MAX_VALUE || last - first + 1 > Short.MAX_VALUE) {
            throw new DataException("A decimal of " + digits.length() + " digits is beyond numeric's range");
        }
        out.writeShort(last - first + 1);
        out.writeShort(weight);
        out.writeShort(unscaled.signum() < 0 ? NUMERIC_NEGATIVE : 0);
        out.writeShort(dscale);
        for (int i = first; i <= last; i++) {
            out.writeShort(group[i]);
        }
    }

    static void bytes(Object value, BinaryOut out) {
        byte[] bytes = ConnectTypes.bytes(value);
        out.write(bytes, 0, bytes.length);
    }
}
