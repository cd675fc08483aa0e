package io.tablestream.sink;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.SqlErrors;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns jdbi's exceptions into Connect's, by what the SQLState says is at fault. The server or the network, for
 * now (connection loss, serialization failure, deadlock, shutdown, statement_timeout, lock_timeout: {@link
 * SqlErrors#isTransient}, {@link SqlErrors#isTimeout}): a {@link RetriableException}, so Connect redelivers the
 * records. The written rows' own values (data exceptions, constraint violations, only from {@link #translateRows}):
 * a {@link RowRejectedException}, for the caller to find the bad record. Anything else, such as a missing privilege,
 * table or column: a {@link ConnectException} with the fix, since every record would fail the same way. Messages
 * carry the server's primary message and SQLState only, never its detail, which may quote row values.
 */
final class WriteErrors {

    /** COPY's error context, e.g. {@code COPY orders, line 3, column amount: "abc"}; only the name is kept. */
    private static final Pattern COPY_COLUMN = Pattern.compile("^COPY .*?, line \\d+, column (.+?): ");
    private static final String NOT_A_BAD_RECORD = " This is no bad record, so no record goes to a dead-letter queue.";

    private WriteErrors() {
    }

    /** {@code what} says what failed, e.g. "Failed to store the written offsets in public.tablestream_sink_offsets". */
    static ConnectException translate(Exception e, String what) {
        return translate(e, what, false);
    }

    /**
     * As {@link #translate}, for statements that write rows of records: an error in the rows' values becomes a
     * {@link RowRejectedException}.
     */
    static ConnectException translateRows(Exception e, String what) {
        return translate(e, what, true);
    }

    private static ConnectException translate(Exception e, String what, boolean rows) {
        Optional<SQLException> sql = statementError(e);
        String state = sql.map(SQLException::getSQLState).orElse(null);
        String column = sql.map(WriteErrors::column).orElse(null);
        String reason = (column == null ? "" : "column '" + column + "': ")
                + sql.map(WriteErrors::databaseMessage).orElse(e.getMessage())
                + (state == null ? "" : " (SQLState " + state + ")");
        if (SqlErrors.isTransient(e) || SqlErrors.isTimeout(state)) {
            return new RetriableException(what + " because of a transient database condition; Connect will redeliver "
                    + "the records: " + reason, e);
        }
        if (rows && SqlErrors.isRowDataError(state)) {
            return new RowRejectedException(what + ": " + reason, e);
        }
        return new ConnectException(what + ": " + reason + fix(state), e);
    }

    /** The SQLState of the statement that failed, or null. */
    static String state(Throwable e) {
        return statementError(e).map(SQLException::getSQLState).orElse(null);
    }

    private static String fix(String state) {
        if (SqlErrors.INSUFFICIENT_PRIVILEGE.equals(state)) {
            return ". The role of " + ConnectionConfig.CONNECTION_USER_CONFIG + " lacks a privilege: grant it, e.g."
                    + " GRANT SELECT, INSERT, UPDATE, DELETE ON the table (INSERT for insert.mode=insert, UPDATE and"
                    + " SELECT for upsert and update, DELETE for delete.enabled=true), and TEMPORARY on the database"
                    + " for write.method=copy's staging tables." + NOT_A_BAD_RECORD;
        }
        if (SqlErrors.UNDEFINED_TABLE.equals(state)) {
            return ". The table is not there (dropped or renamed while the connector ran?): create it, or set "
                    + PostgresSinkConfig.AUTO_CREATE_CONFIG + "=true." + NOT_A_BAD_RECORD;
        }
        if (SqlErrors.UNDEFINED_COLUMN.equals(state)) {
            return ". The table lacks a column for a field of the records (or one was dropped while the connector"
                    + " ran): add the column, leave the field out with " + PostgresSinkConfig.FIELDS_INCLUDE_LIST_CONFIG
                    + ", or set " + PostgresSinkConfig.AUTO_EVOLVE_CONFIG + "=true." + NOT_A_BAD_RECORD;
        }
        return "";
    }

    /** The SQLException in the cause chain; for a batch, the statement's own error the driver chained to it. */
    private static Optional<SQLException> statementError(Throwable e) {
        return SqlErrors.sqlCause(e).map(sql -> sql instanceof BatchUpdateException batch
                && batch.getNextException() != null ? batch.getNextException() : sql);
    }

    /** The column the server blamed: its own field, or the one COPY names in its context line. */
    private static String column(SQLException e) {
        if (!(e instanceof PSQLException psql) || psql.getServerErrorMessage() == null) {
            return null;
        }
        ServerErrorMessage server = psql.getServerErrorMessage();
        if (server.getColumn() != null) {
            return server.getColumn();
        }
        Matcher copyContext = server.getWhere() == null ? null : COPY_COLUMN.matcher(server.getWhere());
        return copyContext != null && copyContext.find() ? copyContext.group(1) : null;
    }

    private static String databaseMessage(SQLException e) {
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null
                && psql.getServerErrorMessage().getMessage() != null) {
            return psql.getServerErrorMessage().getMessage();
        }
        return e.getMessage();
    }
}
