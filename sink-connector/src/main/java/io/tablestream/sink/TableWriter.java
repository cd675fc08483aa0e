package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ConnectToPostgres;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs a write plan's SQL: makes sure the table is there, then writes a chunk of operations in one transaction, by
 * COPY (into the table, or a staging table merged with one statement; an upsert first tries the table itself, see
 * {@link #copiedAsNewKeys}) or by JDBC batch. A chunk is the one word for a group of records: the records of one
 * table written in one transaction. Within a chunk, upsert and update keep only the last operation per key; insert
 * writes the chunk in several passes when a key repeats (each pass's keys are distinct), so a delete and a re-insert
 * of one key still apply in order.
 */
final class TableWriter {

    private static final Logger log = LoggerFactory.getLogger(TableWriter.class);
    private static final char KEY_SEPARATOR = '\u0000'; // cannot occur in PostgreSQL text
    private static final String NEW_KEYS_SAVEPOINT = "tablestream_new_keys";
    private static final String UNIQUE_VIOLATION = "23505";

    private final boolean autoCreate;
    private final WriteMethod method;
    private final Map<String, NewKeyCopies> newKeyCopies = new HashMap<>();
    private final CopyBuffer copyBuffer = new CopyBuffer();
    private int stageCount;
    private int insertedWithoutUnavailable;

    TableWriter(boolean autoCreate, WriteMethod method) {
        this.autoCreate = autoCreate;
        this.method = method;
    }

    /** Creates the table (auto.create) or checks that it exists; {@code records} only name the cause in errors. */
    void ensureTable(Handle handle, WritePlan plan, List<SinkRecord> records) {
        TableId table = plan.table();
        if (!autoCreate || plan.deletesOnly()) {
            if (!exists(handle, table, records)) {
                throw new ConnectException("Table " + table + " for " + Records.offsetRanges(records)
                        + " does not exist: create it, or set " + PostgresSinkConfig.AUTO_CREATE_CONFIG
                        + "=true to have the connector create it from the record schema");
            }
            return;
        }
        try {
            handle.useTransaction(tx -> {
                tx.execute(PostgresSql.LOCK_TABLE_NAME, table.toString());
                if (!exists(tx, table, records)) {
                    tx.execute(createTableSql(tx, plan));
                    log.info("Created table {}", table);
                }
            });
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to create table " + table + " for " + Records.offsetRanges(records));
        }
    }

    /** The plan's CREATE TABLE, with enum columns typed as their enum when the database has that type. */
    private static String createTableSql(Handle handle, WritePlan plan) {
        if (plan.columns().stream().noneMatch(c -> ConnectToPostgres.enumTypeName(c.schema()) != null)) {
            return plan.createTableSql();
        }
        List<String> definitions = new ArrayList<>();
        for (SinkColumn column : plan.columns()) {
            String enumType = ConnectToPostgres.enumTypeName(column.schema());
            String existing = enumType == null ? null : handle.createQuery("SELECT to_regtype(?)::text")
                    .bind(0, enumType).mapTo(String.class).findOne().orElse(null);
            definitions.add(existing == null ? column.definition() : column.definition(existing));
        }
        return PostgresSql.createTable(plan.tableSql(), plan.columns(), definitions);
    }

    /**
     * Converts every operation's values; throws {@link BadRecordException} naming the first record and column whose
     * value does not convert, before anything reaches the database. With COPY the rows' lines go into this writer's
     * one COPY buffer, so the rows of a call hold until the next call.
     */
    List<PreparedRow> prepare(WritePlan plan, List<SinkOp> ops) {
        if (method == WriteMethod.COPY) {
            return prepareCopy(plan, ops);
        }
        List<PreparedRow> rows = new ArrayList<>(ops.size());
        for (SinkOp op : ops) {
            List<SinkColumn> columns = op.delete() ? plan.keys() : plan.bindOrder();
            Object[] values = new Object[columns.size()];
            StringBuilder key = plan.keys().isEmpty() ? null : new StringBuilder();
            for (int i = 0; i < columns.size(); i++) {
                SinkColumn column = columns.get(i);
                try {
                    Object raw = column.source().apply(op.row());
                    values[i] = new JdbcArgument(column.type().toJdbc(raw), column.jdbcType());
                    if (key != null && column.primaryKey()) {
                        key.append(column.type().toText(raw)).append(KEY_SEPARATOR);
                    }
                } catch (RuntimeException e) { // DataException, ClassCastException: the value does not fit
                    throw new BadRecordException(op, plan.table(), column.name(), e);
                }
            }
            rows.add(new PreparedRow(op, key == null ? null : key.toString(), values, null, 0, 0));
        }
        return rows;
    }

    /**
     * Writes each operation's COPY line straight into the buffer; the key is the line's bytes of the key columns
     * (COPY's escaping keeps distinct values distinct, and a null apart from the text "null").
     */
    private List<PreparedRow> prepareCopy(WritePlan plan, List<SinkOp> ops) {
        copyBuffer.reset();
        boolean keyed = !plan.keys().isEmpty();
        List<PreparedRow> rows = new ArrayList<>(ops.size());
        for (SinkOp op : ops) {
            List<SinkColumn> columns = op.delete() ? plan.keys() : plan.columns();
            int start = copyBuffer.size();
            String key = null;
            for (int i = 0; i < columns.size(); i++) {
                SinkColumn column = columns.get(i);
                if (i > 0) {
                    copyBuffer.appendByte('\t');
                }
                int valueStart = copyBuffer.size();
                try {
                    column.copyWriter().write(column.source().apply(op.row()), copyBuffer);
                } catch (RuntimeException e) { // DataException, ClassCastException: the value does not fit
                    throw new BadRecordException(op, plan.table(), column.name(), e);
                }
                if (keyed && column.primaryKey()) {
                    String text = copyBuffer.text(valueStart, copyBuffer.size());
                    key = key == null ? text : key + KEY_SEPARATOR + text;
                }
            }
            copyBuffer.appendByte('\n');
            rows.add(new PreparedRow(op, key, null, copyBuffer, start, copyBuffer.size()));
        }
        return rows;
    }

    WriteMethod method() {
        return method;
    }

    /**
     * Writes the rows in one transaction, all or none; {@code alsoInTransaction} runs last inside it (the offsets).
     * Throws a {@link org.apache.kafka.connect.errors.RetriableException} for a transient database condition.
     * Returns how many rows of a {@link WritePlan#partial()} plan it inserted as new rows, their unavailable columns
     * left to the table's defaults.
     */
    int write(Handle handle, WritePlan plan, List<PreparedRow> rows, Consumer<Handle> alsoInTransaction) {
        List<List<PreparedRow>> passes = passes(plan, rows);
        stageCount = 0;
        insertedWithoutUnavailable = 0;
        try {
            handle.useTransaction(tx -> {
                for (List<PreparedRow> pass : passes) {
                    writePass(tx, plan, pass);
                }
                alsoInTransaction.accept(tx);
            });
        } catch (JdbiException | SQLException e) {
            throw WriteErrors.translateRows(e, "Failed to write " + Records.offsetRanges(
                    rows.stream().map(r -> r.op().original()).toList()) + " to table " + plan.table());
        }
        log.debug("Wrote {} records to table {}", rows.size(), plan.table());
        return insertedWithoutUnavailable;
    }

    /** The chunk's rows in passes whose keys are distinct, so each pass's statements may run in any order. */
    static List<List<PreparedRow>> passes(WritePlan plan, List<PreparedRow> rows) {
        if (plan.keys().isEmpty()) {
            return List.of(rows);
        }
        if (plan.mode() != InsertMode.INSERT) {
            Map<String, PreparedRow> last = new LinkedHashMap<>();
            for (PreparedRow row : rows) {
                last.remove(row.key());
                last.put(row.key(), row);
            }
            return List.of(new ArrayList<>(last.values()));
        }
        List<List<PreparedRow>> passes = new ArrayList<>();
        List<PreparedRow> current = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (PreparedRow row : rows) {
            if (!keys.add(row.key())) {
                passes.add(current);
                current = new ArrayList<>();
                keys.clear();
                keys.add(row.key());
            }
            current.add(row);
        }
        passes.add(current);
        return passes;
    }

    private void writePass(Handle tx, WritePlan plan, List<PreparedRow> pass) throws SQLException {
        List<PreparedRow> writes = pass.stream().filter(r -> !r.op().delete()).toList();
        List<PreparedRow> deletes = pass.stream().filter(r -> r.op().delete()).toList();
        if (!writes.isEmpty() && plan.insertSql() != null) {
            if (plan.partial() && plan.mode() == InsertMode.UPSERT) {
                insertedWithoutUnavailable += upsertAvailableColumns(tx, plan, writes);
            } else if (method == WriteMethod.BATCH) {
                batch(tx, plan.insertSql(), writes);
            } else if (plan.mode() == InsertMode.INSERT) {
                copy(tx, PostgresSql.copyFrom(plan.tableSql(), plan.columns()), writes);
            } else if (plan.mode() == InsertMode.UPSERT && copiedAsNewKeys(tx, plan, writes)) {
                log.trace("Upserted {} rows with new keys into {} by COPY", writes.size(), plan.table());
            } else {
                String stage = nextStage();
                tx.execute(PostgresSql.createStage(stage, plan.tableSql(), plan.columns()));
                copy(tx, PostgresSql.copyFrom(stage, plan.columns()), writes);
                tx.execute(PostgresSql.mergeStage(stage, plan.tableSql(), plan.columns(), plan.mode()));
            }
            if (plan.partial() && plan.mode() == InsertMode.INSERT) {
                insertedWithoutUnavailable += writes.size();
            }
        }
        if (!deletes.isEmpty()) {
            if (method == WriteMethod.BATCH) {
                batch(tx, plan.deleteSql(), deletes);
            } else {
                String stage = nextStage();
                tx.execute(PostgresSql.createStage(stage, plan.tableSql(), plan.keys()));
                copy(tx, PostgresSql.copyFrom(stage, plan.keys()), deletes);
                tx.execute(PostgresSql.deleteUsingStage(stage, plan.tableSql(), plan.keys()));
            }
        }
    }

    /**
     * An upsert of rows that leave some columns unavailable: updates the available columns of the rows there, then
     * inserts the others (their unavailable columns get the table's defaults); returns how many it inserted. Both
     * steps see the pass's distinct keys, so the count is exact unless another writer inserts a key in between,
     * which the insert's ON CONFLICT still handles.
     */
    private int upsertAvailableColumns(Handle tx, WritePlan plan, List<PreparedRow> writes) throws SQLException {
        List<SinkColumn> values = plan.columns().stream().filter(c -> !c.primaryKey()).toList();
        if (method == WriteMethod.BATCH) {
            List<PreparedRow> missing = writes;
            if (!values.isEmpty()) {
                List<SinkColumn> updateOrder = new ArrayList<>(values);
                updateOrder.addAll(plan.keys());
                int[] order = updateOrder.stream().mapToInt(plan.bindOrder()::indexOf).toArray();
                int[] updated = batch(tx, PostgresSql.update(plan.tableSql(), plan.keys(), values), writes, order);
                missing = new ArrayList<>();
                for (int i = 0; i < updated.length; i++) {
                    if (updated[i] == 0) {
                        missing.add(writes.get(i));
                    }
                }
            }
            if (missing.isEmpty()) {
                return 0;
            }
            int[] inserted = batch(tx, plan.insertSql(), missing);
            return values.isEmpty() ? (int) Arrays.stream(inserted).filter(n -> n > 0).count() : missing.size();
        }
        String stage = nextStage();
        tx.execute(PostgresSql.createStage(stage, plan.tableSql(), plan.columns()));
        copy(tx, PostgresSql.copyFrom(stage, plan.columns()), writes);
        if (!values.isEmpty()) {
            tx.execute(PostgresSql.mergeStage(stage, plan.tableSql(), plan.columns(), InsertMode.UPDATE));
        }
        return tx.execute(PostgresSql.insertMissingFromStage(stage, plan.tableSql(), plan.columns()));
    }

    /**
     * Upsert fast path: COPY the rows straight into the table, as if their keys were all new, behind a savepoint. A
     * key already there fails the COPY with a unique violation on the key's own index; the savepoint undoes it all
     * and the caller merges through the staging table as usual, so the table ends the same either way. Only tried
     * where the table has a unique index on exactly the key columns (without one the merge fails as before, and a
     * COPY would add duplicates), and after a conflict not for a while, so update-heavy topics pay little.
     */
    private boolean copiedAsNewKeys(Handle tx, WritePlan plan, List<PreparedRow> writes) throws SQLException {
        NewKeyCopies copies = newKeyCopies.computeIfAbsent(plan.insertSql(),
                sql -> new NewKeyCopies(hasKeyIndex(tx, plan)));
        if (!copies.worthTrying()) {
            return false;
        }
        tx.savepoint(NEW_KEYS_SAVEPOINT);
        try {
            copy(tx, PostgresSql.copyFrom(plan.tableSql(), plan.columns()), writes);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            tx.rollbackToSavepoint(NEW_KEYS_SAVEPOINT);
            copies.conflicted();
            return false;
        }
        tx.releaseSavepoint(NEW_KEYS_SAVEPOINT);
        copies.succeeded();
        return true;
    }

    /** Whether the table has a unique, immediate, non-partial index on exactly the plan's key columns. */
    private static boolean hasKeyIndex(Handle tx, WritePlan plan) {
        List<String> keys = plan.keys().stream().map(SinkColumn::name).toList();
        return tx.createQuery(PostgresSql.HAS_UNIQUE_INDEX_ON)
                .bind(0, plan.table().quoted())
                .bindArray(1, String.class, keys)
                .bindArray(2, String.class, keys)
                .mapTo(Boolean.class)
                .one();
    }

    /** When the new-keys COPY of one plan is worth trying: always until a conflict, then after a growing pause. */
    static final class NewKeyCopies {
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

    private String nextStage() {
        return "tablestream_stage_" + (++stageCount);
    }

    private static int[] batch(Handle tx, String sql, List<PreparedRow> rows) {
        return batch(tx, sql, rows, null);
    }

    /** Runs the statement once per row; {@code order} (null: as prepared) picks each parameter's prepared value. */
    private static int[] batch(Handle tx, String sql, List<PreparedRow> rows, int[] order) {
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

    /** Streams the rows' lines; lines that lie next to each other in the buffer go in one write (one span). */
    private static void copy(Handle tx, String sql, List<PreparedRow> rows) throws SQLException {
        CopyIn in = tx.getConnection().unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try {
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
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private static boolean exists(Handle handle, TableId table, List<SinkRecord> records) {
        try {
            return handle.createQuery(PostgresSql.TABLE_EXISTS)
                    .bind(0, table.schema())
                    .bind(1, table.table())
                    .mapTo(Boolean.class)
                    .one();
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to look up table " + table + " for "
                    + Records.offsetRanges(records));
        }
    }
}
