package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * How the rows of one {@link WritePlan} reach its table: chosen once per plan, from write.method, insert.mode,
 * whether columns are unavailable and whether the plan's COPY is binary, with all its SQL built then; writing a pass only runs it. {@link #forWrites} and
 * {@link #forDeletes} are the one place that choice is made.
 */
sealed interface WriteStrategy {

    /**
     * Writes one pass's rows (their keys distinct) inside the open transaction; {@code laterPass}: an earlier pass of
     * the same transaction may have used this strategy. Returns how many rows it inserted as new rows without the
     * plan's unavailable columns.
     */
    int write(Handle tx, List<PreparedRow> rows, boolean laterPass) throws SQLException;

    /**
     * The strategy for the rows a plan writes with {@code statement}, its one-row INSERT, upsert or UPDATE; its
     * {@code columns} are the written ones, and {@code partial} says some of the table's are left out.
     */
    static WriteStrategy forWrites(WriteMethod method, InsertMode mode, TableId table, String tableSql,
                                   List<SinkColumn> columns, boolean partial, String statement, boolean binary) {
        List<SinkColumn> keys = columns.stream().filter(SinkColumn::primaryKey).toList();
        List<SinkColumn> values = columns.stream().filter(c -> !c.primaryKey()).toList();
        if (partial && mode == InsertMode.UPSERT) {
            if (method == WriteMethod.BATCH) {
                List<SinkColumn> updateOrder = Stream.concat(values.stream(), keys.stream()).toList();
                return new BatchUpsertOfAvailable(values.isEmpty() ? null
                        : PostgresSql.update(tableSql, keys, values),
                        updateOrder.stream().mapToInt(columns::indexOf).toArray(), statement, values.isEmpty());
            }
            Stage stage = Stage.of(tableSql, columns, binary);
            return new StagedUpsertOfAvailable(stage, values.isEmpty() ? null
                    : PostgresSql.mergeStage(stage.name(), tableSql, columns, InsertMode.UPDATE),
                    PostgresSql.insertMissingFromStage(stage.name(), tableSql, columns));
        }
        boolean newRowsLackColumns = partial && mode == InsertMode.INSERT;
        if (method == WriteMethod.BATCH) {
            return new Batch(statement, newRowsLackColumns);
        }
        if (mode == InsertMode.INSERT) {
            return new CopyInto(CopyStatement.of(tableSql, columns, binary), newRowsLackColumns);
        }
        Stage stage = Stage.of(tableSql, columns, binary);
        StagedMerge merge = new StagedMerge(stage, PostgresSql.mergeStage(stage.name(), tableSql, columns, mode));
        return mode == InsertMode.UPSERT ? new CopyNewKeysOrMerge(table, keys.stream().map(SinkColumn::name).toList(),
                CopyStatement.of(tableSql, columns, binary), merge) : merge;
    }

    /** The strategy for deletes by key, {@code statement} the one-row DELETE. */
    static WriteStrategy forDeletes(WriteMethod method, String tableSql, List<SinkColumn> keys, String statement,
                                    boolean binary) {
        if (method == WriteMethod.BATCH) {
            return new Batch(statement, false);
        }
        Stage stage = Stage.of(tableSql, keys, binary);
        return new StagedMerge(stage, PostgresSql.deleteUsingStage(stage.name(), tableSql, keys));
    }

    /** One statement per row in a JDBC batch. */
    record Batch(String sql, boolean newRowsLackColumns) implements WriteStrategy {
        @Override
        public int write(Handle tx, List<PreparedRow> rows, boolean laterPass) {
            RowStatements.batch(tx, sql, rows);
            return newRowsLackColumns ? rows.size() : 0;
        }
    }

    /** COPY straight into the table: insert.mode=insert. */
    record CopyInto(CopyStatement copy, boolean newRowsLackColumns) implements WriteStrategy {
        @Override
        public int write(Handle tx, List<PreparedRow> rows, boolean laterPass) throws SQLException {
            RowStatements.copy(tx, copy, rows);
            return newRowsLackColumns ? rows.size() : 0;
        }
    }

    /** COPY into the staging table, then one statement applies it: INSERT ... ON CONFLICT, UPDATE ... FROM, DELETE. */
    record StagedMerge(Stage stage, String mergeSql) implements WriteStrategy {
        @Override
        public int write(Handle tx, List<PreparedRow> rows, boolean laterPass) throws SQLException {
            stage.fill(tx, rows, laterPass);
            tx.execute(mergeSql);
            return 0;
        }
    }

    /**
     * An upsert of rows that leave some columns unavailable: updates the available columns of the rows there, then
     * inserts the others (their unavailable columns get the table's defaults) and counts them. Both steps see the
     * pass's distinct keys, so the count is exact unless another writer inserts a key in between, which the
     * insert's ON CONFLICT still handles. {@code updateSql} null when every column is a key column.
     */
    record StagedUpsertOfAvailable(Stage stage, String updateSql, String insertMissingSql) implements WriteStrategy {
        @Override
        public int write(Handle tx, List<PreparedRow> rows, boolean laterPass) throws SQLException {
            stage.fill(tx, rows, laterPass);
            if (updateSql != null) {
                tx.execute(updateSql);
            }
            return tx.execute(insertMissingSql);
        }
    }

    /**
     * {@link StagedUpsertOfAvailable} by JDBC batch: an UPDATE per row (values, then keys: {@code updateOrder} picks
     * them from the prepared values), then the upsert for the rows it found no row for.
     */
    record BatchUpsertOfAvailable(String updateSql, int[] updateOrder, String upsertSql, boolean keysOnly)
            implements WriteStrategy {
        @Override
        public int write(Handle tx, List<PreparedRow> rows, boolean laterPass) {
            List<PreparedRow> missing = rows;
            if (updateSql != null) {
                int[] updated = RowStatements.batch(tx, updateSql, rows, updateOrder);
                missing = new ArrayList<>();
                for (int i = 0; i < updated.length; i++) {
                    if (updated[i] == 0) {
                        missing.add(rows.get(i));
                    }
                }
            }
            if (missing.isEmpty()) {
                return 0;
            }
            int[] inserted = RowStatements.batch(tx, upsertSql, missing);
            return keysOnly ? (int) Arrays.stream(inserted).filter(n -> n > 0).count() : missing.size();
        }
    }

    /**
     * Upsert fast path: COPY the rows straight into the table, as if their keys were all new, behind a savepoint. A
     * key already there fails the COPY with a unique violation on the key's own index; the savepoint undoes it all
     * and the rows are merged through the staging table, so the table ends the same either way. Only tried where
     * the table has a unique index on exactly the key columns (without one the merge fails as before, and a COPY
     * would add duplicates), and after a conflict not for a while, so update-heavy topics pay little.
     */
    final class CopyNewKeysOrMerge implements WriteStrategy {
        private static final Logger log = LoggerFactory.getLogger(CopyNewKeysOrMerge.class);
        private static final String SAVEPOINT = "tablestream_new_keys";
        private static final String UNIQUE_VIOLATION = "23505";

        private final TableId table;
        private final List<String> keyNames;
        private final CopyStatement copy;
        private final StagedMerge merge;
        private NewKeyCopies copies;

        CopyNewKeysOrMerge(TableId table, List<String> keyNames, CopyStatement copy, StagedMerge merge) {
            this.table = table;
            this.keyNames = keyNames;
            this.copy = copy;
            this.merge = merge;
        }

        @Override
        public int write(Handle tx, List<PreparedRow> rows, boolean laterPass) throws SQLException {
            if (copies == null) {
                copies = new NewKeyCopies(hasKeyIndex(tx));
            }
            if (copies.worthTrying() && copiedAsNewKeys(tx, rows)) {
                log.trace("Upserted {} rows with new keys into {} by COPY", rows.size(), table);
                return 0;
            }
            return merge.write(tx, rows, laterPass);
        }

        private boolean copiedAsNewKeys(Handle tx, List<PreparedRow> rows) throws SQLException {
            tx.savepoint(SAVEPOINT);
            try {
                RowStatements.copy(tx, copy, rows);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                tx.rollbackToSavepoint(SAVEPOINT);
                copies.conflicted();
                return false;
            }
            tx.releaseSavepoint(SAVEPOINT);
            copies.succeeded();
            return true;
        }

        /** Whether the table has a unique, immediate, non-partial index on exactly the key columns. */
        private boolean hasKeyIndex(Handle tx) {
            return tx.createQuery(PostgresSql.HAS_UNIQUE_INDEX_ON)
                    .bind(0, table.quoted())
                    .bindArray(1, String.class, keyNames)
                    .bindArray(2, String.class, keyNames)
                    .mapTo(Boolean.class)
                    .one();
        }
    }

    /** When the new-keys COPY of one plan is worth trying: always until a conflict, then after a growing pause. */
    final class NewKeyCopies {
        private static final int MAX_PAUSE = 64; // a topic that turns to new keys gets the fast way back soon
        private final boolean possible;
        private int pause;
        private int skipped;

        NewKeyCopies(boolean possible) {
            this.possible = possible;
        }

        boolean worthTrying() {
            if (!possible || skipped < pause) {
                skipped++;
                return false;
            }
            return true;
        }

        void conflicted() {
            pause = Math.min(MAX_PAUSE, Math.max(1, pause * 2));
            skipped = 0;
        }

        void succeeded() {
            pause = 0;
        }
    }
}
