package io.tablestream.sink;

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
 * Turns jdbi's exceptions into Connect's: a transient database condition ({@link SqlErrors#isTransient}) becomes a
 * {@link RetriableException}, so Connect redelivers the records; anything else a {@link ConnectException} with the
 * database's message. Messages carry the server's primary message and SQLState only, never its detail, which may
 * quote row values.
 */
final class WriteErrors {

    /** COPY's error context, e.g. {@code COPY orders, line 3, column amount: "abc"}; only the name is kept. */
    private static final Pattern COPY_COLUMN = Pattern.compile("^COPY .*?, line \\d+, column (.+?): ");

    private WriteErrors() {
    }

    /** {@code what} says what failed, e.g. "Failed to write topic 'orders' partition 0 offsets 1..9 to table x". */
    static ConnectException translate(Exception e, String what) {
        Optional<SQLException> sql = statementError(e);
        String state = sql.map(SQLException::getSQLState).orElse(null);
        String column = sql.map(WriteErrors::column).orElse(null);
        String reason = (column == null ? "" : "column '" + column + "': ")
                + sql.map(WriteErrors::databaseMessage).orElse(e.getMessage())
                + (state == null ? "" : " (SQLState " + state + ")");
        if (SqlErrors.isTransient(e)) {
            return new RetriableException(what + " because of a transient database condition; Connect will redeliver "
                    + "the records: " + reason, e);
        }
        return new ConnectException(what + ": " + reason, e);
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
