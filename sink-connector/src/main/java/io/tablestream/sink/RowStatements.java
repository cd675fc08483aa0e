package io.tablestream.sink;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.sql.SQLException;
import java.util.List;

/** The two ways rows leave the task: a COPY of their prepared lines, or a JDBC batch of their bound values. */
final class RowStatements {

    private RowStatements() {
    }

    /** Streams the rows' lines; lines that lie next to each other in the buffer go in one write (one span). */
    static void copy(Handle tx, CopyStatement copy, List<PreparedRow> rows) throws SQLException {
        CopyIn in = tx.getConnection().unwrap(PGConnection.class).getCopyAPI().copyIn(copy.sql());
        try {
            copy.start(in);
            int spanStart = 0;
            int spanEnd = 0;
            CopyBuffer buffer = null;
            for (PreparedRow row : rows) {
                if (row.copyText() != buffer || row.copyStart() != spanEnd) {
                    if (spanEnd > spanStart) {
                        buffer.writeTo(in, spanStart, spanEnd);
                    }
                    buffer = row.copyText();
                    spanStart = row.copyStart();
                }
                spanEnd = row.copyEnd();
            }
            if (spanEnd > spanStart) {
                buffer.writeTo(in, spanStart, spanEnd);
            }
            copy.end(in);
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    static int[] batch(Handle tx, String sql, List<PreparedRow> rows) {
        return batch(tx, sql, rows, null);
    }

    /** Runs the statement once per row; {@code order} (null: as prepared) picks each parameter's prepared value. */
    static int[] batch(Handle tx, String sql, List<PreparedRow> rows, int[] order) {
        try (PreparedBatch batch = tx.prepareBatch(sql)) {
            for (PreparedRow row : rows) {
                Object[] values = row.values();
                int parameters = order == null ? values.length : order.length;
                for (int i = 0; i < parameters; i++) {
                    batch.bind(i, (JdbcArgument) values[order == null ? i : order[i]]);
                }
                batch.add();
            }
            return batch.execute();
        }
    }
}
