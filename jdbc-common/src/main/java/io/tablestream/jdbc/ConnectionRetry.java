package io.tablestream.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * A task's connection state under its {@link RetryPolicy}: a transient failure is tried again a backoff later, and
 * the task fails naming the keys once the policy's attempts have failed in a row, whether the database was down at
 * start or went away later (an attempt that connects starts the count anew). Credentials PostgreSQL refuses and other
 * permanent errors fail at once.
 *
 * <p>It never sleeps. Kafka Connect stops a task only between two calls into it (a source task's {@code stop()}
 * comes after its last {@code poll()} has returned), so a task that waited out its backoff inside a call could
 * not be stopped meanwhile: callers ask {@link #mayAttempt} and return to the worker until it is time.
 */
public final class ConnectionRetry {

    private final RetryPolicy policy;
    private int failures;
    private long nextAttemptAtMs;

    public ConnectionRetry(RetryPolicy policy) {
        this.policy = policy;
    }

    public static ConnectionRetry from(AbstractConfig config) {
        return new ConnectionRetry(RetryPolicy.of(config));
    }

    public boolean mayAttempt(long nowMs) {
        return nowMs >= nextAttemptAtMs;
    }

    public long nextAttemptAtMs() {
        return nextAttemptAtMs;
    }

    public void succeeded() {
        failures = 0;
        nextAttemptAtMs = 0;
    }

    /**
     * Records a failed attempt to connect (or a connection lost while in use).
     *
     * @throws ConnectException when the failure is permanent or the attempts are used up: the task should fail
     * @return the backoff until the next attempt
     */
    public long failed(RuntimeException error, long nowMs) {
        if (SqlErrors.isAuthenticationFailure(error)) {
            throw SqlErrors.credentialsRefused(error);
        }
        if (!SqlErrors.isTransient(error)) {
            throw error instanceof ConnectException connect ? connect : new ConnectException(error.getMessage(), error);
        }
        failures++;
        if (!policy.mayRetry(failures, error)) {
            throw new ConnectException("Could not connect to PostgreSQL in " + policy.attempts() + " attempts in a row "
                    + policy.backoffMs() + " ms apart (" + ConnectionConfig.CONNECTION_ATTEMPTS_CONFIG + ", "
                    + ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG + "); check connection.url and that the server is up: "
                    + error.getMessage(), error);
        }
        nextAttemptAtMs = nowMs + policy.backoffMs();
        return policy.backoffMs();
    }

    /** Failed attempts since the last success, for logs. */
    public int failures() {
        return failures;
    }

}
