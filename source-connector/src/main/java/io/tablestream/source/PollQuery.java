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

    private PollQuery() {
    }

    /**
     * The SQL, with positional parameters in this order: the timestamp offset (twice for timestamp+incrementing),
     * the incrementing offset, the row limit; each only where the mode and arguments use it.
     *
     * @param schema             the table
     * @param mode               polling mode
     * @param incrementingColumn column for incrementing modes (else ignored)
     * @param timestampColumn    column for timestamp modes (else ignored)
     * @param fromOffset         whether a stored offset bounds the query (no bound on the very first poll)
     * @param limited            whether a {@code LIMIT ?} applies (not in timestamp mode, which stops at a
     *                           timestamp boundary instead)
     */
    public static String sql(TableSchema schema, Mode mode, String incrementingColumn, String timestampColumn,
                             boolean fromOffset, boolean limited) {
        String columns = schema.columns().stream().map(ColumnReader::column)
                .map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("SELECT ").append(columns)
                .append(", xmin::text::bigint AS ").append(XMIN_COLUMN)
                .append(" FROM ").append(schema.table().quoted());
        String inc = mode.usesIncrementing() ? Identifiers.quote(incrementingColumn) : null;
        String ts = mode.usesTimestamp() ? Identifiers.quote(timestampColumn) : null;
        String now = mode.usesTimestamp() ? nowFor(schema, timestampColumn) : null;
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
            case TIMESTAMP_INCREMENTING -> {
                sql.append(" WHERE ").append(ts).append(" < ").append(now);
                if (fromOffset) {
                    sql.append(" AND (").append(ts).append(" > ? OR (").append(ts).append(" = ? AND ")
                            .append(inc).append(" > ?))");
                }
                sql.append(" ORDER BY ").append(ts).append(", ").append(inc);
            }
        }
        if (limited) {
            sql.append(" LIMIT ?");
        }
        return sql.toString();
    }

    /**
     * The upper bound for timestamps: rows stamped in the future would otherwise move the offset past rows that
     * are committed later with an earlier stamp. A timestamp without time zone is read as UTC everywhere.
     */
    private static String nowFor(TableSchema schema, String timestampColumn) {
        ColumnReader column = schema.column(timestampColumn);
        boolean withTimeZone = column != null && "timestamptz".equals(column.column().typeName());
        return withTimeZone ? "now()" : "(now() AT TIME ZONE 'UTC')";
    }
}
