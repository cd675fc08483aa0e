package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jdbi.v3.core.JdbiException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The write plans of a task, one per (table, key schema, value schema, unavailable columns), least recently used
 * dropped beyond
 * {@link #MAX_PLANS}. A new plan first makes sure its table exists and, with auto.evolve, has the plan's columns,
 * so that happens once per table and schema.
 */
final class WritePlans {

    private static final Logger log = LoggerFactory.getLogger(WritePlans.class);

    static final int MAX_PLANS = 1000;
    private static final String AUTO_CREATE = PostgresSinkConfig.AUTO_CREATE_CONFIG;

    /** A shape is a Connect schema, or for a schemaless map the set of its entry names. */
    private record Key(TableId table, Object keyShape, Object valueShape, boolean deletesOnly,
                       Set<String> unavailableColumns) {
    }

    private final PostgresSinkConfig config;
    private final TableWriter writer;
    private final Map<Key, WritePlan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, WritePlan> eldest) {
            return size() > MAX_PLANS;
        }
    };

    WritePlans(PostgresSinkConfig config, TableWriter writer) {
        this.config = config;
        this.writer = writer;
    }

    WritePlan planFor(Handle handle, RecordChunker.Chunk chunk) {
        SinkRecord sample = chunk.sample();
        boolean deletesOnly = chunk.deletesOnly();
        Object keyShape = config.pkMode() == PkMode.RECORD_KEY ? RecordChunker.keyShape(sample) : null;
        Set<String> unavailable = deletesOnly ? Set.of() : chunk.unavailableColumns();
        Key key = new Key(chunk.table(), keyShape, deletesOnly ? null : RecordChunker.valueShape(sample), deletesOnly,
                unavailable);
        WritePlan plan = plans.get(key);
        if (plan == null) {
            plan = SchemalessMapping.applies(sample, deletesOnly) ? schemalessPlan(handle, chunk)
                    : schemaPlan(handle, chunk);
            plans.put(key, plan);
            // Column names only: never values.
            log.info("Writing topic {} to table {} ({} {}{}, columns {}{})", sample.topic(), plan.table(),
                    deletesOnly ? "deletes" : plan.mode(), writer.method(), plan.binaryCopy() != null ? " binary" : "",
                    plan.columns().stream().map(SinkColumn::name).toList(),
                    unavailable.isEmpty() ? "" : ", leaving unavailable columns " + unavailable + " as they are");
        }
        return plan;
    }

    private WritePlan schemaPlan(Handle handle, RecordChunker.Chunk chunk) {
        WritePlan plan = WritePlan.create(config, chunk.table(), chunk.sample(), chunk.deletesOnly(),
                chunk.deletesOnly() ? Set.of() : chunk.unavailableColumns());
        try {
            writer.ensureTable(handle, plan, chunk.originals());
        } catch (ConnectException e) {
            throw missingSchema(handle, chunk).orElseThrow(() -> e);
        }
        if (config.autoEvolve() && !chunk.deletesOnly()) {
            TableEvolution.evolve(handle, plan); // reads the table's columns once per (table, schemas)
        }
        Map<String, String> tableColumns;
        try {
            tableColumns = TableEvolution.columns(handle, plan.table());
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to read the columns of table " + plan.table());
        }
        WritePlan fitted = plan.withColumns(config,
                ColumnFit.fit(chunk.sample().topic(), plan.table(), plan.columns(), tableColumns,
                        config.dbTimeZone()));
        try {
            return BinaryCopy.choose(handle, config, fitted);
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to read the column types of table " + plan.table());
        }
    }

    /** Schemaless records go to an existing table, by column name, bound with the catalog's column types. */
    private WritePlan schemalessPlan(Handle handle, RecordChunker.Chunk chunk) {
        TableId table = chunk.table();
        Map<String, String> tableColumns;
        try {
            tableColumns = TableEvolution.columns(handle, table);
        } catch (JdbiException e) {
            throw WriteErrors.translate(e, "Failed to read the columns of table " + table + " for "
                    + Records.offsetRanges(chunk.originals()));
        }
        if (tableColumns.isEmpty()) {
            missingSchema(handle, chunk).ifPresent(e -> {
                throw e;
            });
            throw new ConnectException("Table " + table + " for the schemaless records of topic '"
                    + chunk.sample().topic() + "' does not exist: records without a schema are written to an "
                    + "existing table, matching columns by name, so create the table first (" + AUTO_CREATE
                    + " needs records with a schema)");
        }
        List<SinkColumn> columns = SchemalessMapping.columns(config, table, tableColumns, chunk.sample(),
                chunk.deletesOnly());
        return WritePlan.of(config, table, columns, chunk.deletesOnly(), false,
                chunk.deletesOnly() ? Set.of() : chunk.unavailableColumns());
    }

    /**
     * The error for a table whose schema does not exist, naming table.name.format, which made the name: a topic's
     * dots read as a schema are the usual cause. Empty when the schema exists (or cannot be looked up).
     */
    private Optional<ConnectException> missingSchema(Handle handle, RecordChunker.Chunk chunk) {
        TableId table = chunk.table();
        boolean exists;
        try {
            exists = handle.createQuery(PostgresSql.SCHEMA_EXISTS).bind(0, table.schema()).mapTo(Boolean.class).one();
        } catch (JdbiException e) {
            return Optional.empty();
        }
        if (exists) {
            return Optional.empty();
        }
        return Optional.of(new ConnectException("Table " + table + " for topic '" + chunk.sample().topic()
                + "' is in schema '" + table.schema() + "', which does not exist: "
                + PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG + "='" + config.tableNameFormat() + "' gives that name"
                + " (a name is split into schema and table at its first dot). Create the schema, or set "
                + PostgresSinkConfig.TABLE_NAME_FORMAT_CONFIG + " to a table in an existing schema: "
                + TableNameFormat.SOURCE_SCHEMA_PLACEHOLDER + "." + TableNameFormat.SOURCE_TABLE_PLACEHOLDER
                + " for change envelopes, \"" + PostgresSinkConfig.TOPIC_PLACEHOLDER + "\" (quoted) to keep the dots"
                + " in the table name, or a fixed name"));
    }

    void clear() {
        plans.clear();
    }

    /**
     * Whether the chunk holds only deletes for a table auto.create has not created yet: there is no row to delete,
     * and deletes carry no columns to create the table from, so the chunk writes nothing (its offsets move on). Looked
     * up while the task has no plan for the table's deletes: a later chunk's records may create it, or a table
     * dropped while the task runs may be gone (a plan for its deletes then fails with undefined_table, and the plans
     * are made anew).
     */
    boolean deletesBeforeTheTableExists(Handle handle, RecordChunker.Chunk chunk) {
        if (!chunk.deletesOnly() || !config.autoCreate()
                || plans.keySet().stream().anyMatch(key -> key.deletesOnly() && key.table().equals(chunk.table()))) {
            return false;
        }
        return !TableWriter.exists(handle, chunk.table(), chunk.originals());
    }
}
