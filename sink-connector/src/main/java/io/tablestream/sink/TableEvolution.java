package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * auto.evolve: brings an existing table up to a write plan's columns. A column the table lacks is added (nullable,
 * so existing rows read NULL, or the field's default value when its schema has one, see
 * {@link SinkColumn#defaultClause}); a column whose type is too small for the records is widened where that is safe
 * (smallint -> integer -> bigint, real -> double precision, varchar(n) -> text); a change that would narrow a column
 * or change its kind (integer to double precision, a number to text) is refused. Columns are never dropped.
 */
final class TableEvolution {

    private static final Logger log = LoggerFactory.getLogger(TableEvolution.class);

    /** Every column of a table with its type as format_type() writes it, in column order. */
    static final String TABLE_COLUMNS = "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
            + " FROM pg_catalog.pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attnum > 0"
            + " AND NOT a.attisdropped ORDER BY a.attnum";

    /** Types that widen within their family, narrowest first; a type's index is its rank. */
    private static final List<List<String>> FAMILIES = List.of(
            List.of("smallint", "integer", "bigint"),
            List.of("real", "double precision"),
            List.of("character varying", "text"));

    private TableEvolution() {
    }

    /** The table's columns, name to type, read from the catalog; empty when the table does not exist. */
    static Map<String, String> columns(Handle handle, TableId table) {
        Map<String, String> columns = new LinkedHashMap<>();
        handle.createQuery(TABLE_COLUMNS).bind(0, table.quoted())
                .map((rs, ctx) -> columns.put(rs.getString(1), rs.getString(2))).list();
        return columns;
    }

    /**
     * Adds and widens the table's columns so the plan's columns fit, in one transaction that holds the table's DDL
     * lock from reading the catalog to committing: another task's change in between would make this one's plan
     * stale (it would narrow a column the other just widened).
     */
    static void evolve(Handle handle, WritePlan plan) {
        TableId table = plan.table();
        List<String> changes;
        try {
            changes = handle.inTransaction(tx -> {
                tx.execute(PostgresSql.LOCK_TABLE_NAME, table.toString());
                List<String> needed = changes(plan.tableSql(), table, columns(tx, table), plan.columns());
                needed.forEach(tx::execute);
                return needed;
            });
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to evolve table " + table + " ("
                    + PostgresSinkConfig.AUTO_EVOLVE_CONFIG + ")");
        }
        if (!changes.isEmpty()) {
            log.info("Evolved table {}: {}", table, changes);
        }
    }

    /** The ALTER TABLE statements that make {@code wanted} fit {@code existing}; throws for a narrowing change. */
    static List<String> changes(String tableSql, TableId table, Map<String, String> existing,
                                List<SinkColumn> wanted) {
        List<String> changes = new ArrayList<>();
        for (SinkColumn column : wanted) {
            String newType = column.type().columnType();
            String oldType = existing.get(column.name());
            if (oldType == null) {
                changes.add("ALTER TABLE " + tableSql + " ADD COLUMN IF NOT EXISTS " + column.sqlName()
                        + " " + newType + column.defaultClause());
            } else if (needsWidening(table, column.name(), oldType, newType)) {
                changes.add("ALTER TABLE " + tableSql + " ALTER COLUMN " + column.sqlName() + " TYPE "
                        + newType);
            }
        }
        return changes;
    }

    /**
     * Whether {@code oldType} must widen to hold {@code newType}'s values. Types outside the widenable families are
     * left alone (the database judges each value); a family change or a lossy one is refused.
     */
    static boolean needsWidening(TableId table, String column, String oldType, String newType) {
        if (oldType.equals(newType)) {
            return false;
        }
        int oldFamily = family(oldType);
        int newFamily = family(newType);
        if (oldFamily < 0 || newFamily < 0) {
            return false;
        }
        if (oldFamily == newFamily) {
            return rank(oldFamily, newType) > rank(oldFamily, oldType);
        }
        boolean textHoldsAnything = oldFamily == 2;
        boolean floatHoldsIntegers = oldFamily == 1 && newFamily == 0;
        if (textHoldsAnything || floatHoldsIntegers) {
            return false;
        }
        throw new ConnectException("Cannot evolve column '" + column + "' of table " + table + " from " + oldType
                + " to " + newType + ": " + PostgresSinkConfig.AUTO_EVOLVE_CONFIG + " only widens a column within "
                + "smallint -> integer -> bigint, real -> double precision, varchar(n) -> text and never narrows or "
                + "changes its kind; alter the column yourself or write these records to another table");
    }

    private static int family(String type) {
        String base = baseType(type);
        for (int i = 0; i < FAMILIES.size(); i++) {
            if (FAMILIES.get(i).contains(base)) {
                return i;
            }
        }
        return -1;
    }

    private static int rank(int family, String type) {
        return FAMILIES.get(family).indexOf(baseType(type));
    }

    /** {@code character varying(20)} -> {@code character varying}. */
    private static String baseType(String type) {
        int paren = type.indexOf('(');
        return paren < 0 ? type : type.substring(0, paren);
    }
}
