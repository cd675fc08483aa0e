package io.tablestream.jdbc;

import org.apache.kafka.common.config.AbstractConfig;

/**
 * {@code connection.attempts} / {@code connection.backoff.ms}: a transient failure (see {@link SqlErrors#isTransient})
 * is retried up to {@code attempts} times in a row, {@code backoffMs} apart; a permanent one, or one more, fails.
 * It only decides: the caller waits, so a Connect task can wait across several short polls instead of blocking one
 * (Connect calls a source task's stop() only between polls). The sink counts the same way under Confluent's names
 * ({@link #ofRetries}), deciding itself which failures are transient ({@link #attemptsLeft}).
 *
 * @param attempts  consecutive attempts after which a failure is final (at least 1)
 * @param backoffMs wait before the next attempt
 */
public record RetryPolicy(int attempts, long backoffMs) {

    public static RetryPolicy of(AbstractConfig config) {
        return new RetryPolicy(config.getInt(ConnectionConfig.CONNECTION_ATTEMPTS_CONFIG),
                config.getLong(ConnectionConfig.CONNECTION_BACKOFF_MS_CONFIG));
    }

    /** {@code retries} retries after the first attempt, as {@code max.retries} / {@code retry.backoff.ms} count. */
    public static RetryPolicy ofRetries(int retries, long backoffMs) {
        return new RetryPolicy(retries + 1, backoffMs);
    }

    /** Whether {@code error}, the {@code failures}-th failure in a row, may be tried again. */
    public boolean mayRetry(int failures, Throwable error) {
        return attemptsLeft(failures) && SqlErrors.isTransient(error);
    }

    /** Whether an attempt is left after {@code failures} failures in a row that the caller found transient. */
    public boolean attemptsLeft(int failures) {
        return failures < attempts;
    }
}
