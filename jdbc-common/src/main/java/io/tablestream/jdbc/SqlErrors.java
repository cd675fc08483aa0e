package io.tablestream.jdbc;

import org.apache.kafka.connect.errors.ConnectException;

import java.sql.SQLException;
import java.util.Optional;

/** Sorts database failures into transient (retry) and permanent, by SQLState class. */
public final class SqlErrors {

    private SqlErrors() {
    }

    /** The first SQLException in a cause chain (jdbi wraps them in its own exceptions). */
    public static Optional<SQLException> sqlCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return Optional.of(sql);
            }
        }
        return Optional.empty();
    }

    /**
     * Connection failures (08), serialization failures and deadlocks (40001, 40P01), insufficient resources (53)
     * and operator intervention such as an admin shutdown (57P) go away on their own: retry them.
     */
    public static boolean isTransient(Throwable error) {
        return sqlCause(error).map(SQLException::getSQLState).map(SqlErrors::isTransientState).orElse(false);
    }

    static boolean isTransientState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")
                || state.equals("40001") || state.equals("40P01");
    }

    /** The role lacks a privilege on the object: {@code insufficient_privilege}. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    /** The table is not there, e.g. dropped or renamed by concurrent DDL: {@code undefined_table}. */
    public static final String UNDEFINED_TABLE = "42P01";
    /** A column is not there: {@code undefined_column}. */
    public static final String UNDEFINED_COLUMN = "42703";
    /** statement_timeout expired, or the statement was cancelled: {@code query_canceled}. */
    public static final String QUERY_CANCELED = "57014";
    /** lock_timeout expired, or NOWAIT found the lock taken: {@code lock_not_available}. */
    public static final String LOCK_NOT_AVAILABLE = "55P03";

    /** A statement the server stopped after waiting too long (statement_timeout, lock_timeout): try again later. */
    public static boolean isTimeout(String state) {
        return QUERY_CANCELED.equals(state) || LOCK_NOT_AVAILABLE.equals(state);
    }

    /**
     * Data exceptions (class 22: a value that does not fit its column) and integrity constraint violations (class
     * 23: NOT NULL, unique, foreign key, CHECK): the row's own values are at fault, not the table or the server.
     */
    public static boolean isRowDataError(String state) {
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** Invalid authorization (28*): retrying never helps; the user must fix the credentials. */
    public static boolean isAuthenticationFailure(Throwable error) {
        return sqlCause(error).map(SQLException::getSQLState).map(s -> s.startsWith("28")).orElse(false);
    }

    /** The error that fails a task whose credentials PostgreSQL refused: retrying never helps. */
    public static ConnectException credentialsRefused(Throwable error) {
        return new ConnectException("PostgreSQL refused the credentials in connection.user/connection.password;"
                + " fix them and restart the connector: " + error.getMessage(), error);
    }
}
