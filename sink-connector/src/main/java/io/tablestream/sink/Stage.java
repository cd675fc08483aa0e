package io.tablestream.sink;

import org.jdbi.v3.core.Handle;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A temporary table with some of the target's columns and their types, made in the transaction that fills it and
 * dropped when it ends, so it always has the table's current types. Its name is fixed per {@link WriteStrategy}; a
 * later pass of the same transaction finds it there and empties it first.
 */
record Stage(String name, String createSql, String emptySql, CopyStatement copy) {

    private static final AtomicLong NEXT = new AtomicLong();

    static Stage of(String tableSql, List<SinkColumn> columns, boolean binary) {
        String name = "tablestream_stage_" + NEXT.incrementAndGet();
        return new Stage(name, PostgresSql.createStage(name, tableSql, columns), "DELETE FROM " + name,
                CopyStatement.of(name, columns, binary));
    }

    /** Makes the stage hold exactly these rows; {@code laterPass}: an earlier pass may have filled it. */
    void fill(Handle tx, List<PreparedRow> rows, boolean laterPass) throws SQLException {
        tx.execute(createSql);
        if (laterPass) {
            tx.execute(emptySql);
        }
        RowStatements.copy(tx, copy, rows);
    }
}
