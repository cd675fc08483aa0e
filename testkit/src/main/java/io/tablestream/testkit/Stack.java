package io.tablestream.testkit;

import java.time.Duration;

/**
 * The shared test stack: PostgreSQL, one KRaft broker and one Connect distributed worker (in this JVM), plus a
 * REST client for the worker. Injected by {@link TablestreamStack}; closed by it at the end of the test run.
 * Test classes must not close or stop these; each creates its own database ({@code postgres().createDatabase(..)}),
 * topics and uniquely named connectors.
 */
public record Stack(PostgresServer postgres, KafkaBroker kafka, ConnectWorker connect, ConnectRestClient rest,
                    Timings timings) {

    /** How long each part took to start (PostgreSQL and the broker start in parallel). */
    public record Timings(Duration postgres, Duration kafka, Duration connect, Duration total) {
        @Override
        public String toString() {
            return "postgres " + postgres.toMillis() + " ms, kafka " + kafka.toMillis() + " ms, connect "
                    + connect.toMillis() + " ms, total " + total.toMillis() + " ms";
        }
    }
}
