package io.tablestream.jdbc;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(3, 100);

    @Test
    void retriesATransientFailureUntilTheAttemptsAreUsedUp() {
        SQLException connectionLost = new SQLException("connection lost", "08006");
        assertTrue(policy.mayRetry(1, connectionLost));
        assertTrue(policy.mayRetry(2, connectionLost));
        assertFalse(policy.mayRetry(3, connectionLost));
    }

    @Test
    void neverRetriesAPermanentFailure() {
        assertFalse(policy.mayRetry(1, new SQLException("no such slot", "42704")));
        assertFalse(policy.mayRetry(1, new SQLException("bad password", "28P01")));
        assertFalse(policy.mayRetry(1, new IllegalStateException("not SQL")));
    }

    @Test
    void maxRetriesCountsRetriesAfterTheFirstAttempt() {
        RetryPolicy none = RetryPolicy.ofRetries(0, 100);
        assertFalse(none.attemptsLeft(1));
        RetryPolicy two = RetryPolicy.ofRetries(2, 100);
        assertTrue(two.attemptsLeft(1));
        assertTrue(two.attemptsLeft(2));
        assertFalse(two.attemptsLeft(3));
    }
}
