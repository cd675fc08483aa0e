package io.tablestream.jdbc;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionRetryTest {

    private static final RuntimeException REFUSED = new RuntimeException(new SQLException("Connection refused", "08001"));

    @Test
    void beforeTheFirstConnectionTheAttemptsAreCountedAndThenTheTaskFailsNamingTheKeys() {
        ConnectionRetry retry = new ConnectionRetry(new RetryPolicy(3, 1000));
        assertEquals(1000, retry.failed(REFUSED, 0));
        assertFalse(retry.mayAttempt(999));
        assertTrue(retry.mayAttempt(1000));
        retry.failed(REFUSED, 1000);
        ConnectException e = assertThrows(ConnectException.class, () -> retry.failed(REFUSED, 2000));
        assertTrue(e.getMessage().contains("connection.attempts") && e.getMessage().contains("connection.backoff.ms"), e.getMessage());
    }

    @Test
    void aConnectionLostLaterGetsTheSameAttemptsInARowAsAtStart() {
        ConnectionRetry retry = new ConnectionRetry(new RetryPolicy(3, 500));
        retry.succeeded();
        retry.failed(REFUSED, 0);
        retry.failed(REFUSED, 500);
        assertEquals(2, retry.failures());
        retry.succeeded();
        assertEquals(0, retry.failures());
        assertTrue(retry.mayAttempt(0));
        retry.failed(REFUSED, 1000);
        retry.failed(REFUSED, 1500);
        ConnectException e = assertThrows(ConnectException.class, () -> retry.failed(REFUSED, 2000));
        assertTrue(e.getMessage().contains("3 attempts in a row"), e.getMessage());
    }

    @Test
    void refusedCredentialsAndPermanentErrorsFailAtOnce() {
        ConnectionRetry retry = new ConnectionRetry(new RetryPolicy(10, 500));
        ConnectException credentials = assertThrows(ConnectException.class,
                () -> retry.failed(new RuntimeException(new SQLException("password authentication failed", "28P01")), 0));
        assertTrue(credentials.getMessage().contains("refused the credentials"), credentials.getMessage());
        assertThrows(ConnectException.class,
                () -> retry.failed(new RuntimeException(new SQLException("syntax error", "42601")), 0));
    }
}
