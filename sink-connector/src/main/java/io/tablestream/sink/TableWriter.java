package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ConnectToPostgres;
import io.tablestream.jdbc.types.SchemaNames;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs a write plan: makes sure the table is there, converts a chunk of operations to rows (COPY lines or batch
 * values, as write.method says), then writes them in one transaction with the plan's {@link WriteStrategy}. A chunk is the one word for a group of records: the records of one
 * table written in one transaction. Within a chunk, upsert and update keep only the last operation per key; insert
 * writes the chunk in several passes when a key repeats (each pass's keys are distinct), so a delete and a re-insert
 * of one key still apply in order.
 */
final class TableWriter {

    private static final Logger log = LoggerFactory.getLogger(TableWriter.class);
    private static final String TYPE_LOOKUP_SAVEPOINT = "tablestream_type_lookup";
    private static final char KEY_SEPARATOR = '\u0000'; // cannot occur in PostgreSQL text

    private final boolean autoCreate;
    private final WriteMethod method;
    private final CopyBuffer copyBuffer = new CopyBuffer();

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

    /**
     * The plan's CREATE TABLE, with enum columns typed as their enum, and columns of another type's text output
     * ({@link SchemaNames#PG_TEXT}) as that type, when the database has that type.
     */
    private static String createTableSql(Handle handle, WritePlan plan) {
        List<SinkColumn> columns = plan.tableColumns();
        if (columns.stream().noneMatch(TableWriter::namesAType)) {
            return plan.createTableSql();
        }
        List<String> definitions = new ArrayList<>();
        for (SinkColumn column : columns) {
            String existing = namesAType(column) ? existingType(handle, column.schema()) : null;
            definitions.add(existing == null ? column.definition() : column.definition(existing));
        }
        return PostgresSql.createTable(plan.tableSql(), columns, definitions);
    }

    private static boolean namesAType(SinkColumn column) {
        return column.schema() != null && (ConnectToPostgres.enumTypeName(column.schema()) != null
                || ConnectToPostgres.pgTypeName(column.schema()) != null);
    }

    /**
     * The type the schema names, as the column definition writes it, or null when the database has no such type (a
     * pseudo-type such as {@code record} is none a column can have).
     */
    private static String existingType(Handle handle, Schema schema) {
        String enumType = ConnectToPostgres.enumTypeName(schema);
        if (enumType != null) {
            return lookUpType(handle, enumType, "SELECT to_regtype(?)::text");
        }
        // Written as named, modifier included (bit(3)), which to_regtype() would drop
        String named = ConnectToPostgres.pgTypeName(schema);
        return lookUpType(handle, named, "SELECT named.name FROM (SELECT CAST(? AS text) AS name) named"
                + " JOIN pg_type ON pg_type.oid = to_regtype(named.name) AND pg_type.typtype <> 'p'");
    }

    /**
     * Runs {@code sql} with {@code name} bound to its parameter. to_regtype() raises, rather than answering null,
     * for a name it cannot parse (PostgreSQL 15 and earlier) and for a modifier the type refuses ({@code bit(0)}):
     * then there is no such type either, and the statement's error is undone behind a savepoint so the table is
     * still created, with a text column.
     */
    private static String lookUpType(Handle handle, String name, String sql) {
        boolean inTransaction = handle.isInTransaction();
        if (inTransaction) {
            handle.savepoint(TYPE_LOOKUP_SAVEPOINT);
        }
        try {
            String type = handle.createQuery(sql).bind(0, name).mapTo(String.class).findOne().orElse(null);
            if (inTransaction) {
                handle.releaseSavepoint(TYPE_LOOKUP_SAVEPOINT);
            }
            return type;
        } catch (JdbiException e) {
            String state = e.getCause() instanceof SQLException failure ? String.valueOf(failure.getSQLState()) : "";
            if (!state.startsWith("42") && !state.startsWith("22")) { // not a name or modifier the server refused
                throw e;
            }
            if (inTransaction) {
                handle.rollbackToSavepoint(TYPE_LOOKUP_SAVEPOINT);
            }
            log.warn("The type {} named by a record's schema is not one this database reads ({}); its column is"
                    + " created as text", name, e.getCause().getMessage());
            return null;
        }
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
            boolean keyHasNull = false;
            for (int i = 0; i < columns.size(); i++) {
                SinkColumn column = columns.get(i);
                try {
                    Object raw = column.source().apply(op.row());
                    values[i] = new JdbcArgument(column.type().toJdbc(raw), column.jdbcType());
                    if (key != null && column.primaryKey()) {
                        keyHasNull |= raw == null;
                        key.append(column.type().toText(raw)).append(KEY_SEPARATOR);
                    }
                } catch (RuntimeException e) { // DataException, ClassCastException: the value does not fit
                    throw new BadRecordException(op, plan.table(), column.name(), e);
                }
            }
            rows.add(new PreparedRow(op, key == null || keyHasNull ? null : key.toString(), values, null, 0, 0));
        }
        return rows;
    }

    /**
     * Writes each operation's COPY row straight into the buffer, in the plan's format (binary when it has
     * {@link WritePlan#binaryCopy()}); the key is the row's bytes of its key columns' fields, which each format keeps
     * distinct for distinct values and a null apart from every value (text escaping and {@code \N}, binary lengths).
     */
    private List<PreparedRow> prepareCopy(WritePlan plan, List<SinkOp> ops) {
        copyBuffer.reset();
        CopyRowFormat format = plan.binaryCopy() != null ? CopyRowFormat.BINARY : CopyRowFormat.TEXT;
        boolean keyed = !plan.keys().isEmpty();
        List<PreparedRow> rows = new ArrayList<>(ops.size());
        for (SinkOp op : ops) {
            List<SinkColumn> columns = op.delete() ? plan.keys() : plan.columns();
            int start = copyBuffer.size();
            String key = null;
            boolean keyHasNull = false;
            format.startRow(copyBuffer, columns.size());
            for (int i = 0; i < columns.size(); i++) {
                SinkColumn column = columns.get(i);
                if (i > 0) {
                    format.separateFields(copyBuffer);
                }
                int fieldStart = copyBuffer.size();
                Object raw;
                try {
                    raw = column.source().apply(op.row());
                    format.writeField(copyBuffer, column, raw);
                } catch (RuntimeException e) { // DataException, ClassCastException: the value does not fit
                    throw new BadRecordException(op, plan.table(), column.name(), e);
                }
                if (keyed && column.primaryKey()) {
                    keyHasNull |= raw == null;
                    key = appendKey(key, fieldStart);
                }
            }
            format.endRow(copyBuffer);
            rows.add(new PreparedRow(op, keyHasNull ? null : key, null, copyBuffer, start, copyBuffer.size()));
        }
        return rows;
    }

    /** The key so far with the buffer's bytes from {@code fieldStart} on. */
    private String appendKey(String key, int fieldStart) {
        String value = copyBuffer.key(fieldStart, copyBuffer.size());
        return key == null ? value : key + KEY_SEPARATOR + value;
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
        int insertedWithoutUnavailable;
        try {
            insertedWithoutUnavailable = handle.inTransaction(tx -> {
                if (plan.binaryCopy() != null) {
                    plan.binaryCopy().check(tx, plan.columns());
                }
                int inserted = 0;
                for (int i = 0; i < passes.size(); i++) {
                    inserted += writePass(tx, plan, passes.get(i), i > 0);
                }
                alsoInTransaction.accept(tx);
                return inserted;
            });
        } catch (JdbiException | SQLException e) {
            throw WriteErrors.translateRows(e, "Failed to write " + Records.offsetRanges(
                    rows.stream().map(r -> r.op().original()).toList()) + " to table " + plan.table());
        }
        log.debug("Wrote {} records to table {}", rows.size(), plan.table());
        return insertedWithoutUnavailable;
    }

    /**
     * The chunk's rows in passes whose keys are distinct, so each pass's statements may run in any order. A key with a
     * null part (a row's {@code null} key) names no row, as NULL equals nothing in SQL: such a row never replaces or
     * is replaced by another, and the database judges it (a primary key refuses it: a bad record).
     */
    static List<List<PreparedRow>> passes(WritePlan plan, List<PreparedRow> rows) {
        if (plan.keys().isEmpty()) {
            return List.of(rows);
        }
        if (plan.mode() != InsertMode.INSERT) {
            Map<Object, PreparedRow> last = new LinkedHashMap<>();
            for (PreparedRow row : rows) {
                Object key = row.key() != null ? row.key() : new Object();
                last.remove(key);
                last.put(key, row);
            }
            return List.of(new ArrayList<>(last.values()));
        }
        List<List<PreparedRow>> passes = new ArrayList<>();
        List<PreparedRow> current = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (PreparedRow row : rows) {
            if (row.key() != null && !keys.add(row.key())) {
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

    private int writePass(Handle tx, WritePlan plan, List<PreparedRow> pass, boolean laterPass) throws SQLException {
        List<PreparedRow> writes = pass.stream().filter(r -> !r.op().delete()).toList();
        List<PreparedRow> deletes = pass.stream().filter(r -> r.op().delete()).toList();
        int insertedWithoutUnavailable = 0;
        if (!writes.isEmpty() && plan.writes() != null) {
            insertedWithoutUnavailable = plan.writes().write(tx, writes, laterPass);
        }
        if (!deletes.isEmpty()) {
            plan.deletes().write(tx, deletes, laterPass);
        }
        return insertedWithoutUnavailable;
    }

    static boolean exists(Handle handle, TableId table, List<SinkRecord> records) {
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
