package io.tablestream.source.cdc;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.TableSchema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads the captured tables in the snapshot exported when the slot was created, so the stream that follows starts
 * exactly where the snapshot ends: no gap, no duplicate. One table at a time, through a cursor.
 */
final class SnapshotSource implements ChangeSource {

    private final Handle handle;
    private final List<TableId> tables;
    private final Function<TableId, String> topics;
    private final Map<String, String> partition;
    private final long consistentLsn;
    private final RecordFormat format;
    private final PgTypeCatalog types;
    /** The publication the stream reads: the snapshot carries the columns it sends. */
    private final String publication;
    private int tableIndex = -1;
    private TableSchema schema;
    private Statement statement;
    private ResultSet rows;
    private boolean done;
    private final long estimatedRows;
    private long rowsRead;
    /** The offset of every snapshot record but the last, shared: Connect only reads it. */
    private final Map<String, Object> readingOffset;
    private String topic;
    /** The row read ahead of the batch returned last. */
    private ChangeEvent next;

    SnapshotSource(Jdbi jdbi, Replication.NewSlot slot, List<TableId> tables, Function<TableId, String> topics,
                   Map<String, String> partition, RecordFormat format, PgTypeCatalog types, String publication)
            throws SQLException {
        this.publication = publication;
        this.tables = tables;
        this.topics = topics;
        this.partition = partition;
        this.consistentLsn = slot.consistentPoint().asLong();
        this.format = format;
        this.types = types;
        this.readingOffset = Collections.unmodifiableMap(new CdcOffset(consistentLsn, 0, false).toMap());
        this.handle = jdbi.open();
        Connection connection = handle.getConnection();
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement s = connection.createStatement()) {
            s.execute("SET TRANSACTION SNAPSHOT " + quoteLiteral(slot.snapshotName()));
        }
        // The planner's row estimate (-1: never analyzed), for the progress metric only: no count(*) scan.
        long estimate = 0;
        for (TableId table : tables) {
            estimate += handle.createQuery("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = ?::regclass")
                    .bind(0, table.quoted()).mapTo(Long.class).findOne().orElse(0L);
        }
        this.estimatedRows = estimate;
    }

    /** Rows read so far. */
    long rowsRead() {
        return rowsRead;
    }

    /** The tables' row count as pg_class.reltuples estimates it. */
    long estimatedRows() {
        return estimatedRows;
    }

    @Override
    public List<SourceRecord> poll(int maxRecords) throws SQLException {
        List<ChangeEvent> events = new ArrayList<>();
        if (next == null && !done) {
            next = readNext();
        }
        while (events.size() < maxRecords && next != null) {
            events.add(next);
            next = readNext();
        }
        List<SourceRecord> records = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            // The very last snapshot record says so: after it is committed a restart streams instead of re-reading.
            // The row after each batch is read ahead, so the last record is known as such even when the batch
            // ends exactly at the end of the tables.
            boolean last = done && i == events.size() - 1;
            records.addAll(events.get(i).toRecords(partition, last ? doneOffset() : readingOffset, format));
        }
        return records;
    }

    /** The next row of the snapshot, moving on to the next table as one ends; null (and done) after the last. */
    private ChangeEvent readNext() throws SQLException {
        while (!done) {
            if (rows == null) {
                openNextTable();
            } else if (rows.next()) {
                rowsRead++;
                return event(rows);
            } else {
                closeTable();
            }
        }
        return null;
    }

    private Map<String, Object> doneOffset() {
        return new CdcOffset(consistentLsn, 0, true).toMap();
    }

    long consistentLsn() {
        return consistentLsn;
    }

    boolean done() {
        return done;
    }

    private void openNextTable() throws SQLException {
        tableIndex++;
        if (tableIndex >= tables.size()) {
            done = true;
            handle.getConnection().commit();
            return;
        }
        // The schema the stream will give the table, so snapshot and stream records share it.
        schema = StreamSchema.read(handle, tables.get(tableIndex), types, publication);
        topic = topics.apply(schema.table());
        String columns = schema.columns().stream().map(c -> Identifiers.quote(c.column().name()))
                .collect(Collectors.joining(", "));
        statement = handle.getConnection().createStatement();
        statement.setFetchSize(1000); // a cursor: large tables never sit in memory
        rows = statement.executeQuery("SELECT " + columns + " FROM " + schema.table().quoted());
    }

    private void closeTable() throws SQLException {
        rows.close();
        statement.close();
        rows = null;
    }

    private ChangeEvent event(ResultSet rs) throws SQLException {
        Struct value = schema.readValue(rs);
        return new ChangeEvent(schema, topic, 'r', schema.key(value), null, value, consistentLsn, 0,
                System.currentTimeMillis());
    }

    private static String quoteLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    @Override
    public void close() {
        try {
            // The snapshot only read: end its transaction, so the handle closes cleanly.
            Connection connection = handle.getConnection();
            connection.rollback();
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            org.slf4j.LoggerFactory.getLogger(SnapshotSource.class).warn("Ending the snapshot transaction failed: {}",
                    e.getMessage());
        }
        try {
            handle.close();
        } catch (JdbiException e) {
            // The connection is gone (the snapshot is retried on a new one): nothing is left to release.
            org.slf4j.LoggerFactory.getLogger(SnapshotSource.class).warn("Closing the snapshot connection failed: {}",
                    e.getMessage());
        }
    }
}
