package io.tablestream.jdbc.types;

import org.apache.kafka.connect.errors.DataException;

/**
 * Debezium's PostgreSQL connector sends a {@code timestamp} column's {@code infinity} and {@code -infinity} as
 * PgJDBC's sentinel instants (9223372036825200000 and -9223372036832400000 microseconds since 1970, in its
 * {@code MicroTimestamp}; a thousandth of them in its millisecond {@code Timestamp}). Read as instants they are
 * finite dates (294247-01-10 04:00:25.2, or out of range), so they become the infinities they stand for, as
 * tablestream's own Long.MAX_VALUE/MIN_VALUE do.
 */
final class DebeziumInfinity {

    static final long POSITIVE_MICROS = 9_223_372_036_825_200_000L;
    static final long NEGATIVE_MICROS = -9_223_372_036_832_400_000L;

    private DebeziumInfinity() {
    }

    /** A MicroTimestamp: its sentinels as Long.MAX_VALUE/MIN_VALUE, any other value as it is. */
    static long micros(long micros) {
        if (micros == POSITIVE_MICROS) {
            return Long.MAX_VALUE;
        }
        return micros == NEGATIVE_MICROS ? Long.MIN_VALUE : micros;
    }

    /** A millisecond Timestamp in microseconds, its sentinels as Long.MAX_VALUE/MIN_VALUE. */
    static long millisToMicros(long millis) {
        if (millis == POSITIVE_MICROS / 1000 || millis == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        if (millis == NEGATIVE_MICROS / 1000 || millis == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        try {
            return Math.multiplyExact(millis, 1000L);
        } catch (ArithmeticException e) {
            throw new DataException("A timestamp of " + millis + " milliseconds since 1970 is out of range", e);
        }
    }
}
