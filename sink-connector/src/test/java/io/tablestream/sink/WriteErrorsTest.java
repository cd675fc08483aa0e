package io.tablestream.sink;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.jdbi.v3.core.ConnectionException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

import java.sql.BatchUpdateException;
import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteErrorsTest {

    private static PSQLException serverError(String state, String message, String detail) {
        return new PSQLException(new ServerErrorMessage("SERROR\0C" + state + "\0M" + message + "\0D" + detail + "\0"),
                true);
    }

    @Test
    void transientStatesAreRetriable() {
        for (String state : new String[] {"08000", "08001", "08006", "53300", "53200", "57P01", "57P03", "40001",
                "40P01", "57014", "55P03"}) {
            ConnectException e = WriteErrors.translateRows(new ConnectionException(new SQLException("x", state)), "w");
            assertInstanceOf(RetriableException.class, e, state);
        }
        for (String state : new String[] {"23505", "42P01", "42703", "22001", "28P01", "40002", "42501", "XX000"}) {
            ConnectException e = WriteErrors.translateRows(new ConnectionException(new SQLException("x", state)), "w");
            assertFalse(e instanceof RetriableException, state);
        }
    }

    @Test
    void onlyDataExceptionsAndConstraintViolationsOfWrittenRowsBlameTheRows() {
        for (String state : new String[] {"22001", "22003", "22P02", "23502", "23505", "23514", "23503"}) {
            SQLException error = new SQLException("x", state);
            assertInstanceOf(RowRejectedException.class, WriteErrors.translateRows(new ConnectionException(error), "w"),
                    state);
            assertFalse(WriteErrors.translate(new ConnectionException(error), "w") instanceof RowRejectedException,
                    state + " outside the rows' statement, e.g. storing offsets");
        }
        for (String state : new String[] {"42501", "42P01", "42703", "42804", "XX000", "0A000"}) {
            assertFalse(WriteErrors.translateRows(new ConnectionException(new SQLException("x", state)), "w")
                    instanceof RowRejectedException, state);
        }
    }

    @Test
    void aMissingPrivilegeSaysWhatToGrantAndThatNoRecordIsToBlame() {
        ConnectException e = WriteErrors.translateRows(new ConnectionException(
                serverError("42501", "permission denied for table orders", "")), "Failed to write x to table y");
        assertTrue(e.getMessage().startsWith("Failed to write x to table y: permission denied for table orders "
                + "(SQLState 42501). The role of connection.user lacks a privilege: grant it"), e.getMessage());
        assertTrue(e.getMessage().contains("no record goes to a dead-letter queue"), e.getMessage());
    }

    @Test
    void connectionFailureIsRetriable() {
        PSQLException refused = new PSQLException("Connection to localhost:5432 refused.",
                PSQLState.CONNECTION_UNABLE_TO_CONNECT);

        ConnectException e = WriteErrors.translate(new ConnectionException(refused), "Failed to write x");

        assertInstanceOf(RetriableException.class, e);
        assertTrue(e.getMessage().contains("Connection to localhost:5432 refused. (SQLState 08001)"), e.getMessage());
    }

    @Test
    void deadlockInsideABatchIsRetriable() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 ... was aborted", "40P01", 0, new int[0]);
        batch.setNextException(serverError("40P01", "deadlock detected", "Process 1 waits for ShareLock"));

        assertInstanceOf(RetriableException.class, WriteErrors.translate(new ConnectionException(batch), "w"));
    }

    @Test
    void constraintViolationFailsWithTheServersMessageButNotItsDetail() {
        BatchUpdateException batch = new BatchUpdateException(
                "Batch entry 0 INSERT INTO orders VALUES ('secret') was aborted", "23505", 0, new int[0]);
        batch.setNextException(serverError("23505", "duplicate key value violates unique constraint \"orders_pkey\"",
                "Key (id)=(secret) already exists."));

        ConnectException e = WriteErrors.translateRows(new ConnectionException(batch),
                "Failed to write topic 'orders' partition 0 offsets 3..9 to table public.orders");

        assertInstanceOf(RowRejectedException.class, e);
        assertEquals("Failed to write topic 'orders' partition 0 offsets 3..9 to table public.orders: duplicate key "
                + "value violates unique constraint \"orders_pkey\" (SQLState 23505)", e.getMessage());
    }

    @Test
    void plainSqlExceptionKeepsItsMessage() {
        ConnectException e = WriteErrors.translate(new ConnectionException(new SQLException("boom", "XX000")), "w");
        assertEquals("w: boom (SQLState XX000)", e.getMessage());
    }
}
