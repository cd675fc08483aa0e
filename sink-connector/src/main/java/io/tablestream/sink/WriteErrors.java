package io.tablestream.sink;

import io.tablestream.jdbc.SqlErrors;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.jdbi.v3.core.JdbiException;
import org.postgresql.util.PSQLException;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Turns jdbi's exceptions into Connect's: a transient database condition ({@link SqlErrors#isTransient}) becomes a
 * {@link RetriableException}, so Connect redelivers the records; anything else a {@link ConnectException} with the
 * database's message. Messages carry the server's primary message and SQLState only, never its detail, which may
 * quote row values.
 */
final class WriteErrors {

    private WriteErrors() {
    }

    /** {@code what} says what failed, e.g. "Failed to write topic 'orders' partition 0 offsets 1..9 to table x". */
    static ConnectException translate(JdbiException e, String what) {
        Optional<SQLException> sql = statementError(e);
        String state = sql.map(SQLException::getSQLState).orElse(null);
        String reason = sql.map(WriteErrors::databaseMessage).orElse(e.getMessage())
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

    private static String databaseMessage(SQLException e) {
        if (e instanceof PSQLException psql && psql.getServerErrorMessage() != null
                && psql.getServerErrorMessage().getMessage() != null) {
            return psql.getServerErrorMessage().getMessage();
        }
        return e.getMessage();
    }
}
