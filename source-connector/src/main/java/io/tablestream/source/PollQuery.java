package io.tablestream.source;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.types.ColumnReader;

import java.util.stream.Collectors;

/**
 * The SELECT one poll of a table runs, per mode. Rows come in the order offsets advance, and each row carries the
 * id of the transaction that wrote it ({@code xmin}) so the querier can stop before rows that may overtake an
 * in-flight transaction.
 */
public final class PollQuery {

    /** Name of the extra column holding the writing transaction's id (32-bit, as PostgreSQL stores it). */
    static final String XMIN_COLUMN = "__tablestream_xmin";
    static final String CUSTOM_QUERY_ALIAS = "tablestream_query";

    private PollQuery() {
    }

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

    /**
     * The SQL, with positional parameters in this order: the timestamp upper bound (a timestamptz, see
     * {@link OpenTransactions}), the timestamp offset (twice for timestamp+incrementing), the incrementing offset,
     * the row limit; each only where the mode and arguments use it.
     *
     * @param schema             the table
     * @param mode               polling mode
     * @param incrementingColumn column for incrementing modes (else ignored)
     * @param timestampColumn    column for timestamp modes (else ignored)
     * @param fromOffset         whether a stored offset bounds the query (no bound on the very first poll)
     * @param limited            whether a {@code LIMIT ?} applies (not in timestamp mode, which stops at a
     *                           timestamp boundary instead)
     * @param options            settings that shape the SQL beyond the mode ({@link Options#DEFAULTS} for none)
     */
    public static String sql(TableSchema schema, Mode mode, String incrementingColumn, String timestampColumn,
                             boolean fromOffset, boolean limited, Options options) {
        String columns = schema.columns().stream().map(ColumnReader::column)
                .map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("SELECT ").append(columns)
                // Views have no xmin: their rows count as old (no gap-free guarantee for views, see docs/source-polling.md).
                .append(schema.rowVersions() && mode != Mode.BULK ? ", xmin::text::bigint AS " : ", NULL::bigint AS ")
                .append(XMIN_COLUMN)
                .append(" FROM ").append(options.customQuery() == null ? schema.table().quoted()
                        : "(" + options.customQuery() + ") AS " + Identifiers.quote(CUSTOM_QUERY_ALIAS));
        String inc = mode.usesIncrementing() ? Identifiers.quote(incrementingColumn) : null;
        String ts = mode.usesTimestamp() ? Identifiers.quote(timestampColumn) : null;
        String now = mode.usesTimestamp() ? upperBound(schema, timestampColumn, options) : null;
        switch (mode) {
            case INCREMENTING -> {
                if (fromOffset) {
                    sql.append(" WHERE ").append(inc).append(" > ?");
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
                sql.append(" WHERE ").append(ts).append(" < ").append(now);
                if (fromOffset) {
                    sql.append(" AND (").append(ts).append(" > ? OR (").append(ts).append(" = ? AND ")
                            .append(inc).append(" > ?))");
                }
                sql.append(" ORDER BY ").append(ts).append(", ").append(inc);
            }
            default -> throw new IllegalArgumentException("No table query for mode " + mode.configValue());
        }
        if (limited) {
            sql.append(" LIMIT ?");
        }
        if (!options.suffix().isEmpty()) {
            sql.append(' ').append(options.suffix());
        }
        return sql.toString();
    }

    /**
     * The upper bound for timestamps, a parameter: rows stamped at or after it may still be overtaken by a
     * transaction that is open (or rows stamped in the future would move the offset past rows committed later with
     * an earlier stamp). A timestamp without time zone is compared in db.timezone.
     */
    private static String upperBound(TableSchema schema, String timestampColumn, Options options) {
        ColumnReader column = schema.column(timestampColumn);
        boolean withTimeZone = column != null && "timestamptz".equals(column.column().typeName());
        String bound = options.timestampDelayMs() > 0
                ? "(CAST(? AS timestamptz) - interval '" + options.timestampDelayMs() + " milliseconds')"
                : "CAST(? AS timestamptz)";
        return withTimeZone ? bound : "(" + bound + " AT TIME ZONE " + zoneLiteral(options.dbTimeZone()) + ")";
    }

    /** A zone for AT TIME ZONE: names as text; offsets as an interval (PostgreSQL reads '+02:00' as POSIX, sign inverted). */
    static String zoneLiteral(String zoneId) {
        java.time.ZoneId zone = java.time.ZoneId.of(zoneId);
        if (zone instanceof java.time.ZoneOffset offset) {
            return offset.getTotalSeconds() == 0 ? "'UTC'" : "interval '" + offset.getId() + "'";
        }
        return "'" + zone.getId().replace("'", "''") + "'";
    }
}
