package io.tablestream.jdbc.types;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * User choices that change how PostgreSQL values become Connect values.
 *
 * @param timePrecision  {@code time.precision.mode}
 * @param numericMapping {@code numeric.mapping}
 * @param dbTimeZone     {@code db.timezone}: the zone a {@code timestamp} without time zone is in, used where a Connect
 *                       Timestamp (an instant) must be made of it
 */
public record PgTypeOptions(TimePrecisionMode timePrecision, NumericMapping numericMapping, ZoneId dbTimeZone) {

    public static final PgTypeOptions DEFAULTS =
            new PgTypeOptions(TimePrecisionMode.MICROSECONDS, NumericMapping.NONE, ZoneOffset.UTC);

    public PgTypeOptions {
        Objects.requireNonNull(timePrecision, "timePrecision");
        Objects.requireNonNull(numericMapping, "numericMapping");
        Objects.requireNonNull(dbTimeZone, "dbTimeZone");
    }
}
