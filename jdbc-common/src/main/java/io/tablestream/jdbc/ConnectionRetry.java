package io.tablestream.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * The retry policy of a task's database connection ({@value ConnectionConfig#CONNECTION_ATTEMPTS_CONFIG},
 * {@value ConnectionConfig#CONNECTION_BACKOFF_MS_CONFIG}): until the task has connected once it gets that many
 * attempts, that far apart, then fails naming the keys; once it has connected, a lost connection is retried every
 * backoff until the database is back. Credentials PostgreSQL refuses and other permanent errors fail at once.
 *
 * <p>It never sleeps. Kafka Connect stops a task only between two calls into it (a source task's {@code stop()}
 * comes after its last {@code poll()} has returned), so a task that waited out its backoff inside a call could
 * not be stopped meanwhile: callers ask {@link #mayAttempt} and return to the worker until it is time.
 */
public final class ConnectionRetry {

    private final int attempts;
    private final long backoffMs;
    private boolean everConnected;
    private int failures;
    private long nextAttemptAtMs;

    public ConnectionRetry(int attempts, long backoffMs) {
        this.attempts = attempts;
        this.backoffMs = backoffMs;
    }

    public static ConnectionRetry from(AbstractConfig config) {
        return new ConnectionRetry(config.getInt(ConnectionConfig.CONNECTION_ATTEMPTS_CONFIG),
                config.getLong(ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG));
    }

    public boolean mayAttempt(long nowMs) {
        return nowMs >= nextAttemptAtMs;
    }

    public long nextAttemptAtMs() {
        return nextAttemptAtMs;
    }

    public void succeeded() {
        everConnected = true;
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
        if (!everConnected && failures >= attempts) {
            throw new ConnectException("Could not connect to PostgreSQL in " + attempts + " attempts "
                    + backoffMs + " ms apart (" + ConnectionConfig.CONNECTION_ATTEMPTS_CONFIG + ", "
                    + ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG + "); check connection.url and that the server is up: "
                    + error.getMessage(), error);
        }
        nextAttemptAtMs = nowMs + backoffMs;
        return backoffMs;
    }

    /** Failed attempts since the last success, for logs. */
    public int failures() {
        return failures;
    }

    /** The attempts before the first connection, for logs. */
    public int attempts() {
        return attempts;
    }
}
