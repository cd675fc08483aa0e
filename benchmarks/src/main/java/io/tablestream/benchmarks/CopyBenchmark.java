package io.tablestream.benchmarks;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

/** Raw {@code COPY FROM STDIN}: the database's own limit for these rows on this machine. */
final class CopyBenchmark {

    private static final int ROWS_PER_WRITE = 10_000;

    private CopyBenchmark() {
    }

    /** Copies orders {@code from..to-1} into {@code table}; returns rows/s. */
    static double copyOrders(BenchEnvironment env, String table, long from, long to, int customers, String note) {
        try (Connection connection = env.postgres.connect(BenchEnvironment.DATABASE)) {
            long start = System.nanoTime();
            copy(connection, table, from, to, customers, note);
            return (to - from) / seconds(start);
        } catch (SQLException e) {
            throw new IllegalStateException("COPY into " + table + " failed", e);
        }
    }

    static void copy(Connection connection, String table, long from, long to, int customers, String note)
            throws SQLException {
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " FROM STDIN");
        try {
            StringBuilder chunk = new StringBuilder(ROWS_PER_WRITE * 100);
            for (long id = from; id < to; id++) {
                OrderRows.appendCopyLine(chunk, OrderRows.value(id, customers, note));
                if (chunk.length() > ROWS_PER_WRITE * 90 || id == to - 1) {
                    byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
                    copy.writeToCopy(bytes, 0, bytes.length);
                    chunk.setLength(0);
                }
            }
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
