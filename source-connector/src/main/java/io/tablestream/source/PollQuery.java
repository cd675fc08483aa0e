package io.tablestream.source;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.PositionalSqlParser;
import io.tablestream.jdbc.types.ColumnReader;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SELECT one poll of a table runs, per mode, and the values of its positional parameters: the SQL and its
 * binding come from one place so that they cannot disagree. Rows come in the order offsets advance, and each row
 * carries the id of the transaction that wrote it ({@code xmin}) so the querier can stop before rows that may
 * overtake an in-flight transaction.
 */
public final class PollQuery {

    /** Name of the extra column holding the writing transaction's id (32-bit, as PostgreSQL stores it). */
    static final String XMIN_COLUMN = "__tablestream_xmin";
    static final String CUSTOM_QUERY_ALIAS = "tablestream_query";

    private final Mode mode;
    private final boolean timestampWithTimeZone;
    /** The unit, in microseconds, the timestamp column rounds its values to: 1 at full precision. */
    private final long stampUnitMicros;
    private final String firstSql;
    private final String nextSql;
    /** Incrementing modes: the rows at one position (see {@link #groupStatement}). */
    private final String groupSql;

    /**
     * Settings that shape the SQL beyond the mode.
     *
     * @param timestampDelayMs timestamp.delay.interval.ms: rows must be this much older than the database's clock
     * @param dbTimeZone       db.timezone: the zone of timestamp-without-time-zone values
     * @param suffix           query.suffix, appended to the statement
     * @param customQuery      the query whose rows are read instead of the table's (a subselect, so the mode's
     *                         WHERE and ORDER BY apply to its result), or null to read the table
     */
    public record Options(long timestampDelayMs, String dbTimeZone, String suffix, String customQuery) {
        public static final Options DEFAULTS = new Options(0, "UTC", "");

        public Options(long timestampDelayMs, String dbTimeZone, String suffix) {
            this(timestampDelayMs, dbTimeZone, suffix, null);
        }
    }

    /** A poll's SQL with the values of its positional parameters, in their order. */
    public record Statement(String sql, List<Object> parameters) {
        Query create(Handle handle) {
            Query query = handle.createQuery(sql);
            for (int i = 0; i < parameters.size(); i++) {
                query.bind(i, parameters.get(i));
            }
            return query;
        }
    }

    /**
     * The query of one table (or custom query) in one mode. Incrementing modes read at most the poll's row limit;
     * timestamp mode stops at a timestamp boundary instead, and bulk reads everything.
     *
     * @param schema             the table
     * @param mode               polling mode
     * @param incrementingColumn column for incrementing modes (else ignored)
     * @param timestampColumn    column for timestamp modes (else ignored)
     * @param options            settings that shape the SQL beyond the mode ({@link Options#DEFAULTS} for none)
     */
    public PollQuery(TableSchema schema, Mode mode, String incrementingColumn, String timestampColumn, Options options) {
        this.mode = mode;
        ColumnReader stamp = mode.usesTimestamp() ? schema.column(timestampColumn) : null;
        this.timestampWithTimeZone = stamp != null && "timestamptz".equals(stamp.column().typeName());
        int precision = stamp == null ? -1 : stamp.column().typmod(); // timestamp(p): p fractional digits, -1 = 6
        this.stampUnitMicros = precision >= 0 && precision < 6 ? (long) Math.pow(10, 6 - precision) : 1;
        this.firstSql = sql(schema, incrementingColumn, timestampColumn, false, options);
        this.nextSql = sql(schema, incrementingColumn, timestampColumn, true, options);
        this.groupSql = mode.usesIncrementing() ? withSuffix(selectFrom(schema, options) + " WHERE "
                + Identifiers.quote(incrementingColumn) + " = ?"
                + (mode == Mode.TIMESTAMP_INCREMENTING ? " AND " + Identifiers.quote(timestampColumn) + " = ?" : "")
                + " LIMIT ?", options.suffix()) : null;
    }

    /**
     * The statement of a poll that reads on from {@code offset}.
     *
     * @param timestampBound rows stamped at or after this are not read (see {@link OpenTransactions}); timestamp
     *                       modes only
     * @param maxRows        the row limit, where the mode has one
     */
    public Statement statement(TableOffset offset, OffsetDateTime timestampBound, int maxRows) {
        boolean fromOffset = !offset.isStart();
        List<Object> parameters = new ArrayList<>();
        if (mode.usesTimestamp()) {
            parameters.add(roundedDownToColumnPrecision(timestampBound));
        }
        if (fromOffset && mode.usesTimestamp()) {
            Object stamp = timestampParameter(offset.timestampMicros());
            parameters.add(stamp);
            if (mode == Mode.TIMESTAMP_INCREMENTING) {
                parameters.add(stamp);
            }
        }
        if (fromOffset && mode.usesIncrementing()) {
            parameters.add(offset.incrementing());
        }
        if (limited()) {
            parameters.add(maxRows);
        }
        return new Statement(fromOffset ? nextSql : firstSql, Collections.unmodifiableList(parameters));
    }

    /**
     * A column of reduced precision (timestamp(0) ... timestamp(5)) rounds {@code now()} to the nearest unit, so a
     * transaction that began after the bound may still stamp below it, down to the bound rounded down to the unit.
     * Zone offsets are whole seconds, so rounding the instant rounds the wall-clock time of a timestamp column too.
     */
    private OffsetDateTime roundedDownToColumnPrecision(OffsetDateTime bound) {
        if (bound == null || stampUnitMicros == 1) {
            return bound;
        }
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, bound.toInstant());
        Instant floored = Instant.EPOCH.plus(Math.floorDiv(micros, stampUnitMicros) * stampUnitMicros, ChronoUnit.MICROS);
        return OffsetDateTime.ofInstant(floored, bound.getOffset());
    }

    private boolean limited() {
        return mode == Mode.INCREMENTING || mode == Mode.TIMESTAMP_INCREMENTING;
    }

    /** The offset's stamp as a parameter; the extreme values stand for -infinity and infinity, as pgjdbc reads them. */
    private Object timestampParameter(long micros) {
        if (micros == Long.MIN_VALUE || micros == Long.MAX_VALUE) {
            boolean past = micros == Long.MIN_VALUE;
            return timestampWithTimeZone ? (past ? OffsetDateTime.MIN : OffsetDateTime.MAX)
                    : (past ? LocalDateTime.MIN : LocalDateTime.MAX);
        }
        Instant instant = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        return timestampWithTimeZone ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC)
                : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** The SQL; {@code fromOffset}: whether a stored offset bounds the query (no bound on the very first poll). */
    private String sql(TableSchema schema, String incrementingColumn, String timestampColumn, boolean fromOffset,
                       Options options) {
        StringBuilder sql = new StringBuilder(selectFrom(schema, options));
        String inc = mode.usesIncrementing() ? Identifiers.quote(incrementingColumn) : null;
        // A NULL id has no place in the order (it would sort last and read as 0, moving the offset back).
        String incNotNull = mode.usesIncrementing() && !schema.column(incrementingColumn).column().notNull()
                ? inc + " IS NOT NULL AND " : "";
        String ts = mode.usesTimestamp() ? Identifiers.quote(timestampColumn) : null;
        String now = mode.usesTimestamp() ? upperBound(options) : null;
        switch (mode) {
            case INCREMENTING -> {
                if (fromOffset) {
                    sql.append(" WHERE ").append(inc).append(" > ?");
                } else if (!incNotNull.isEmpty()) {
                    sql.append(" WHERE ").append(inc).append(" IS NOT NULL");
                }
                sql.append(" ORDER BY ").append(inc);
            }
            case TIMESTAMP -> {
                sql.append(" WHERE ").append(ts).append(" < ").append(now);
                if (fromOffset) {
                    sql.append(" AND ").append(ts).append(" > ?");
                }
                sql.append(" ORDER BY ").append(ts);
            }
            case BULK -> {
                // the whole table, every time; no order needed
            }
            case TIMESTAMP_INCREMENTING -> {
                sql.append(" WHERE ").append(incNotNull).append(ts).append(" < ").append(now);
                if (fromOffset) {
                    sql.append(" AND (").append(ts).append(" > ? OR (").append(ts).append(" = ? AND ")
                            .append(inc).append(" > ?))");
                }
                sql.append(" ORDER BY ").append(ts).append(", ").append(inc);
            }
            default -> throw new IllegalArgumentException("No table query for mode " + mode.configValue());
        }
        if (limited()) {
            sql.append(" LIMIT ?");
        }
        return withSuffix(sql.toString(), options.suffix());
    }

    /** {@code sql} followed by query.suffix, if any. */
    static String withSuffix(String sql, String suffix) {
        return suffix.isBlank() ? sql : sql + " " + suffix.trim();
    }

    /** SELECT the columns and the writer's id FROM the table or the custom query. */
    private String selectFrom(TableSchema schema, Options options) {
        String columns = schema.columns().stream().map(ColumnReader::column)
                .map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
        return "SELECT " + columns
                // Views have no xmin: their rows count as old (no gap-free guarantee for views, see docs/source-polling.md).
                + (schema.rowVersions() && mode != Mode.BULK ? ", xmin::text::bigint AS " : ", NULL::bigint AS ")
                + XMIN_COLUMN + " FROM " + (options.customQuery() == null ? schema.table().quoted()
                : "(" + PositionalSqlParser.withoutTrailingSemicolons(options.customQuery()) + ") AS "
                + Identifiers.quote(CUSTOM_QUERY_ALIAS));
    }

    /**
     * The statement reading every row at one position of an incrementing mode ({@code inc}, and {@code stamp} in
     * timestamp+incrementing), at most {@code maxRows}: a poll's LIMIT may have cut through rows sharing it.
     */
    public Statement groupStatement(long inc, Long stamp, int maxRows) {
        List<Object> parameters = new ArrayList<>();
        parameters.add(inc);
        if (mode == Mode.TIMESTAMP_INCREMENTING) {
            parameters.add(timestampParameter(stamp));
        }
        parameters.add(maxRows);
        return new Statement(groupSql, Collections.unmodifiableList(parameters));
    }

    /**
     * The upper bound for timestamps, a parameter: rows stamped at or after it may still be overtaken by a
     * transaction that is open (or rows stamped in the future would move the offset past rows committed later with
     * an earlier stamp). A timestamp without time zone is compared in db.timezone.
     */
    private String upperBound(Options options) {
        String bound = options.timestampDelayMs() > 0
                ? "(CAST(? AS timestamptz) - interval '" + options.timestampDelayMs() + " milliseconds')"
                : "CAST(? AS timestamptz)";
        return timestampWithTimeZone ? bound : "(" + bound + " AT TIME ZONE " + zoneLiteral(options.dbTimeZone()) + ")";
    }

    /**
     * A Java zone for AT TIME ZONE, meaning what Java means: region names as text; fixed offsets, however written
     * ({@code +02:00}, {@code UTC+2}, {@code GMT+2}), as an interval, since PostgreSQL reads such names as POSIX
     * zones, with the sign inverted; CET, EET, MET and WET as {@link #sessionZone} gives them.
     */
    static String zoneLiteral(String zoneId) {
        java.time.ZoneId zone = java.time.ZoneId.of(zoneId);
        if (zone.normalized() instanceof java.time.ZoneOffset offset) {
            return offset.getTotalSeconds() == 0 ? "'UTC'" : "interval '" + offset.getId() + "'";
        }
        return "'" + sessionZone(zone.getId()).replace("'", "''") + "'";
    }

    /**
     * The name AT TIME ZONE reads as the zone a session with this TimeZone is in: CET, EET, MET and WET (which it
     * would read as abbreviations without summer time) as the regions the time zone database links them to (the
     * same rules since 1977); any other name as it is.
     */
    static String sessionZone(String name) {
        return ABBREVIATION_NAMED_REGIONS.getOrDefault(name.toUpperCase(java.util.Locale.ROOT), name);
    }

    private static final java.util.Map<String, String> ABBREVIATION_NAMED_REGIONS = java.util.Map.of(
            "CET", "Europe/Brussels", "MET", "Europe/Brussels", "EET", "Europe/Athens", "WET", "Europe/Lisbon");
}
