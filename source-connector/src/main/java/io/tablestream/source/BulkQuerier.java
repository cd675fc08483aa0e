package io.tablestream.source;

import io.tablestream.jdbc.PositionalSqlParser;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.result.ResultIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a whole table (mode=bulk) or the rows of the custom query (mode=query) on every poll interval. A scan streams
 * through a server-side cursor on a connection of its own, {@code batch.max.rows} rows per task poll, so a large
 * table never sits in memory; the next scan starts one poll interval after the last one ended.
 */
final class BulkQuerier implements Querier {

    private static final Logger log = LoggerFactory.getLogger(BulkQuerier.class);
    static final String QUERY_PARTITION_KEY = "query";
    private static final String QUERY_VIEW = "tablestream_query";

    private final Jdbi jdbi;
    private final TableSchema schema;
    private final String sql;
    private final String topic;
    private final Map<String, String> partition;
    private final String name;
    private long nextPollAtMs;
    private Handle scan;
    private ResultIterator<Struct> rows;

    private BulkQuerier(Jdbi jdbi, TableSchema schema, String sql, String topic, Map<String, String> partition, String name) {
        this.jdbi = jdbi;
        this.schema = schema;
        this.sql = sql;
        this.topic = topic;
        this.partition = partition;
        this.name = name;
    }

    static BulkQuerier forTable(Jdbi jdbi, TableSchema schema, PostgresSourceConfig config) {
        String sql = new PollQuery(schema, Mode.BULK, "", "", new PollQuery.Options(0, "UTC", config.querySuffix()))
                .statement(TableOffset.START, null, 0).sql();
        return new BulkQuerier(jdbi, schema, sql, config.topicFor(schema.table()), TableOffset.partition(schema.table()),
                schema.table().toString());
    }

    static BulkQuerier forQuery(Jdbi jdbi, Handle handle, PostgresSourceConfig config, PgTypeCatalog catalog) {
        String query = PositionalSqlParser.withoutTrailingSemicolons(config.getString(PostgresSourceConfig.QUERY_CONFIG));
        TableSchema schema = querySchema(handle, query, catalog, config.queryTopic());
        String topic = config.queryTopic();
        return new BulkQuerier(jdbi, schema, PollQuery.withSuffix(query, config.querySuffix()), topic,
                Map.of(QUERY_PARTITION_KEY, topic), "query for topic " + topic);
    }

    /** The query's columns, typed exactly as for a table: read from a temporary view that is rolled back at once. */
    static TableSchema querySchema(Handle handle, String query, PgTypeCatalog catalog, String name) {
        handle.begin();
        try {
            handle.execute("CREATE TEMPORARY VIEW " + QUERY_VIEW + " AS " + query);
            List<ColumnReader> readers = TableSchema.columns(handle, "pg_temp." + QUERY_VIEW).stream()
                    .map(catalog::readerFor).toList();
            return TableSchema.of(new TableId("query", name.isEmpty() ? "result" : name), readers, List.of(), false);
        } finally {
            handle.rollback();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long nextPollAtMs() {
        return nextPollAtMs;
    }

    @Override
    public void scheduleNextPoll(long atMs) {
        nextPollAtMs = atMs;
    }

    /** Continues the current scan (or starts one) on the scan's own connection; the task's handle is not used. */
    @Override
    public List<SourceRecord> poll(Handle unused, int maxRows) {
        try {
            if (rows == null) {
                scan = jdbi.open();
                scan.begin(); // a cursor (fetch size) needs a transaction
                rows = scan.createQuery(sql).setFetchSize(maxRows).map((rs, ctx) -> schema.readValue(rs)).iterator();
            }
            List<SourceRecord> records = new ArrayList<>();
            while (records.size() < maxRows && rows.hasNext()) {
                Struct value = rows.next();
                records.add(new SourceRecord(partition, TableOffset.START.toMap(), topic, null,
                        schema.keySchema(), schema.key(value), schema.valueSchema(), value));
            }
            if (!rows.hasNext()) {
                close();
            }
            return records;
        } catch (RuntimeException e) {
            close(); // the next poll starts the scan again
            throw e;
        }
    }

    @Override
    public boolean hasMoreNow() {
        return rows != null;
    }

    @Override
    public void close() {
        try {
            if (rows != null) {
                rows.close();
            }
        } catch (RuntimeException e) {
            log.debug("Closing the scan of {} failed", name, e);
        } finally {
            rows = null;
            if (scan != null) {
                try {
                    scan.rollback();
                    scan.close();
                } catch (RuntimeException e) {
                    log.debug("Closing the scan connection of {} failed", name, e);
                }
                scan = null;
            }
        }
    }
}
