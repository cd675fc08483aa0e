package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;
import org.postgresql.util.PGInterval;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.Set;

/**
 * interval, as an ISO-8601 duration under {@link SchemaNames#INTERVAL}, e.g. {@code P1Y2M3DT4H5M6.000007S}.
 * PostgreSQL keeps months, days and microseconds apart (a month is not 30 days), so every part is written, signed.
 */
final class IntervalType extends FixedSchemaType {

    IntervalType() {
        super(Set.of("interval"), () -> SchemaBuilder.string().name(SchemaNames.INTERVAL));
    }

    static String iso8601(PGInterval interval) {
        long micros = ((interval.getHours() * 60L + interval.getMinutes()) * 60L + interval.getWholeSeconds())
                * 1_000_000L + interval.getMicroSeconds();
        long hours = micros / 3_600_000_000L;
        long minutes = micros % 3_600_000_000L / 60_000_000L;
        BigDecimal seconds = BigDecimal.valueOf(micros % 60_000_000L, 6).stripTrailingZeros();
        return "P" + interval.getYears() + "Y" + interval.getMonths() + "M" + interval.getDays() + "DT"
                + hours + "H" + minutes + "M" + seconds.toPlainString() + "S";
    }

    /** The server's default IntervalStyle {@code postgres}, as the driver reads it too. */
    @Override
    public Object readText(String text, PgColumn column) {
        try {
            return iso8601(new PGInterval(text));
        } catch (SQLException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
