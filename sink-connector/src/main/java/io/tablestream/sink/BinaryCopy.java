package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.BinaryEncoder;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.apache.kafka.connect.errors.RetriableException;
import org.jdbi.v3.core.Handle;

import org.apache.kafka.connect.data.Timestamp;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binary COPY for a plan whose every column has a binary form for its table column's type (PostgreSQL then parses
 * no text); any other plan writes text. Binary bytes mean what the column's type says, so the types the plan was
 * made for are checked in each transaction, under a lock that keeps them until it ends: a column whose type changed
 * since fails the transaction as {@link StalePlanException}, and the task makes its plans anew.
 */
record BinaryCopy(TableId table, String signature) {

    /** The table's columns: name, type name, typmod, whether a plain built-in type, and a signature of the type. */
    static final String COLUMN_TYPES = "SELECT a.attname, t.typname, a.atttypmod,"
            + " t.typtype = 'b' AND t.typnamespace = 'pg_catalog'::regnamespace,"
            + " a.atttypid::int || '/' || a.atttypmod FROM pg_catalog.pg_attribute a"
            + " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
            + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped";

    private record TableColumn(PgColumn column, boolean builtIn, String signature) {
    }

    /**
     * The plan with binary COPY when every one of its columns has a binary form for the table's column type;
     * otherwise the plan as it is. Reads the table's columns once (per plan).
     */
    static WritePlan choose(Handle handle, PostgresSinkConfig config, WritePlan plan) {
        if (config.writeMethod() != WriteMethod.COPY) {
            return plan;
        }
        Map<String, TableColumn> tableColumns = columns(handle, plan.table());
        List<SinkColumn> encoded = new ArrayList<>();
        StringBuilder signature = new StringBuilder();
        for (SinkColumn column : plan.columns()) {
            TableColumn tableColumn = tableColumns.get(column.name());
            Optional<BinaryEncoder> encoder = tableColumn == null || !tableColumn.builtIn()
                    || zoned(config, column, tableColumn) ? Optional.empty()
                    : PgTypeCatalog.binaryEncoder(tableColumn.column(), column.schema());
            if (encoder.isEmpty()) {
                return plan;
            }
            encoded.add(column.withBinaryEncoder(encoder.get()));
            signature.append(column.name()).append('=').append(tableColumn.signature()).append('\n');
        }
        return plan.withBinaryCopy(config, encoded, new BinaryCopy(plan.table(), signature.toString()));
    }

    /** An instant into a timestamp column under a db.timezone other than UTC: its wall clock is written as text. */
    private static boolean zoned(PostgresSinkConfig config, SinkColumn column, TableColumn tableColumn) {
        return column.schema() != null && Timestamp.LOGICAL_NAME.equals(column.schema().name())
                && "timestamp".equals(tableColumn.column().typeName())
                && !config.dbTimeZone().normalized().equals(ZoneOffset.UTC);
    }

    /**
     * Locks the table against type changes until the transaction ends (the lock any write takes) and checks that
     * the plan's columns still have the types it was made for.
     */
    void check(Handle tx, List<SinkColumn> columns) {
        tx.execute("LOCK TABLE " + table.quoted() + " IN ROW EXCLUSIVE MODE");
        Map<String, TableColumn> now = columns(tx, table);
        StringBuilder current = new StringBuilder();
        for (SinkColumn column : columns) {
            TableColumn tableColumn = now.get(column.name());
            current.append(column.name()).append('=').append(tableColumn == null ? "missing" : tableColumn.signature())
                    .append('\n');
        }
        if (!current.toString().equals(signature)) {
            throw new StalePlanException("The column types of table " + table + " changed since the task planned"
                    + " its binary COPY; planning again");
        }
    }

    private static Map<String, TableColumn> columns(Handle handle, TableId table) {
        Map<String, TableColumn> columns = new HashMap<>();
        handle.createQuery(COLUMN_TYPES).bind(0, table.quoted()).map((rs, ctx) -> columns.put(rs.getString(1),
                new TableColumn(new PgColumn(rs.getString(1), rs.getString(2), rs.getInt(3), false),
                        rs.getBoolean(4), rs.getString(5)))).list();
        return columns;
    }

    /** The plan no longer fits its table: made anew before the retry. */
    static final class StalePlanException extends RetriableException {
        StalePlanException(String message) {
            super(message);
        }
    }
}
