package io.tablestream.source.cdc;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.TableSchema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads one chunk of a table for the incremental snapshot, in one repeatable-read transaction whose first statement
 * takes the transaction snapshot and the WAL insert position (see {@link SnapshotWindow} for why both). Chunks
 * follow the primary key ({@code (key) > (last key) ORDER BY key LIMIT n}, one index range scan each); a table
 * without one is read by ranges of pages ({@code ctid}), which cannot tell a row moved by an update from a new one.
 */
final class ChunkReader implements AutoCloseable {

    /**
     * One chunk: the rows read, the watermarks of the transaction that read them and the pg_class oid of the table
     * its name named then (a table dropped and created again under that name is another table).
     */
    record Chunk(SnapshotWindow.PgSnapshot snapshot, long highWatermark, List<ChangeEvent> rows,
                 TableProgress after, long tableOid) {
    }

    /**
     * The transaction snapshot and the high watermark: on a primary the WAL insert position, on a hot standby (in
     * recovery, where no WAL is written) the position replayed so far (see {@link SnapshotWindow} for why either
     * bounds the commits the snapshot sees). Asked per chunk, so a standby promoted meanwhile is followed.
     */
    private static final String WATERMARKS_SQL = "SELECT pg_current_snapshot()::text, pg_wal_lsn_diff(CASE WHEN"
            + " pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END, '0/0')::bigint,"
            + " CAST(? AS regclass)::oid::bigint";
    /** What the schema is read from: columns and their types, the primary key and the replica identity. */
    private static final String FINGERPRINT_SQL = "SELECT c.relreplident::text || coalesce((SELECT string_agg(a.attname"
            + " || ':' || a.atttypid || ':' || a.atttypmod || ':' || a.attnotnull, ',' ORDER BY a.attnum) FROM"
            + " pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') || '|'"
            + " || coalesce((SELECT i.indkey::text FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), '')"
            + " FROM pg_class c WHERE c.oid = ?::regclass";
    private static final String KEY_TYPES_SQL = "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            + " WHERE a.attrelid = ?::regclass AND a.attname = ?";

    private final Jdbi jdbi;
    private final PgTypeCatalog types;
    /** The publication the stream reads: a chunk carries the columns it sends. */
    private final String publication;
    private final int chunkSize;
    // One connection for all chunks (null until the first, and after a failure), and the schema read last with
    // the catalog state it was read from: a chunk re-reads the schema only when that changed.
    private Handle handle;
    private TableId schemaTable;
    private String schemaFingerprint;
    private TableSchema schema;
    private Boolean flushableMessages;

    ChunkReader(Jdbi jdbi, PgTypeCatalog types, String publication, int chunkSize) {
        this.jdbi = jdbi;
        this.types = types;
        this.publication = publication;
        this.chunkSize = chunkSize;
    }

    /**
     * The chunk of {@code table} after {@code progress} up to the key {@code upTo} included (null: the next
     * chunk.size rows), in the schema the stream gives the table; only rows matching {@code filter} (an SQL
     * condition from a signal; null: all). For a table without a primary key {@code upTo} is the page where the
     * chunk's range ends, excluded (null: about chunk.size rows' worth of pages).
     */
    Chunk read(TableId table, String topic, TableProgress progress, List<String> upTo, String filter)
            throws SQLException {
        if (handle == null) {
            handle = jdbi.open();
        }
        try {
            return handle.inTransaction(TransactionIsolationLevel.REPEATABLE_READ,
                    h -> read(h, table, topic, progress, upTo, filter));
        } catch (SQLException | RuntimeException e) {
            close(); // the next chunk starts on a new connection
            throw e;
        }
    }

    /**
     * The last keys of the next {@code chunks - 1} chunks of {@code table} after {@code progress}, in key order, so
     * that {@code chunks} chunks (the last one open: up to chunk.size rows after the last bound) can be read at once;
     * fewer where the table has fewer rows. For a table without a primary key the bounds are pages, where the next
     * page ranges end ({@link #pageBounds}). The bounds need no particular snapshot: the ranges they make cover
     * every key (or page) after {@code progress}, and each chunk is judged against the stream in its own snapshot.
     */
    List<List<String>> bounds(TableId table, TableProgress progress, String filter, int chunks) throws SQLException {
        if (chunks < 2) {
            return List.of();
        }
        if (handle == null) {
            handle = jdbi.open();
        }
        try {
            return handle.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
                TableSchema schema = schema(h, table);
                List<String> keys = schema.keyColumns();
                if (keys.isEmpty()) {
                    return pageBounds(h, schema.table(), progress, chunks);
                }
                String keyList = keys.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
                StringBuilder sql = new StringBuilder("SELECT * FROM (SELECT ");
                sql.append(keyTexts(keys)).append(", row_number() OVER (ORDER BY ").append(keyList).append(") AS n FROM ")
                        .append(table.quoted()).append(" WHERE ").append(filter == null ? "true" : "(" + filter + ")")
                        .append(afterCondition(h, schema, progress)).append(" ORDER BY ").append(keyList)
                        .append(" LIMIT ").append((long) (chunks - 1) * chunkSize).append(") bounds WHERE n % ")
                        .append(chunkSize).append(" = 0 ORDER BY n");
                List<List<String>> bounds = new ArrayList<>();
                try (PreparedStatement statement = h.getConnection().prepareStatement(sql.toString())) {
                    bindKey(statement, 1, progress.after());
                    try (ResultSet rs = statement.executeQuery()) {
                        while (rs.next()) {
                            List<String> bound = new ArrayList<>(keys.size());
                            for (int i = 0; i < keys.size(); i++) {
                                bound.add(rs.getString(i + 1));
                            }
                            bounds.add(bound);
                        }
                    }
                }
                return bounds;
            });
        } catch (SQLException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Fails (IllegalArgumentException, saying why) unless {@code filter} is an SQL condition on {@code table}. */
    void requireValidFilter(TableId table, String filter) {
        try {
            jdbi.useHandle(h -> h.createQuery("EXPLAIN SELECT 1 FROM " + table.quoted() + " WHERE (" + filter + ")")
                    .mapTo(String.class).list());
        } catch (JdbiException e) {
            throw new IllegalArgumentException("filter " + filter + " is not a condition on " + table + ": "
                    + e.getMessage());
        }
    }

    /**
     * On a primary, writes a logical decoding message (not transactional, ignored by pgoutput): its WAL record lies
     * past every watermark read before, so the stream moves past them even when nothing else is written. Flushed at
     * once where the server can (PostgreSQL 17+): the walsender decodes only flushed WAL, and an unflushed record
     * waits for the WAL writer (wal_writer_delay) or the next commit. On a hot standby nothing can be written, and
     * nothing needs to be: the watermarks there are replayed positions, which the standby's walsender decodes up to
     * (and its keepalives report) without any further WAL.
     */
    void writeWatermarkMessage() {
        if (flushableMessages == null) {
            flushableMessages = handle.createQuery("SELECT current_setting('server_version_num')::int >= 170000")
                    .mapTo(Boolean.class).one();
        }
        handle.createQuery(flushableMessages
                        ? "SELECT CASE WHEN NOT pg_is_in_recovery() THEN"
                        + " pg_logical_emit_message(false, 'tablestream.snapshot', '', true) END"
                        : "SELECT CASE WHEN NOT pg_is_in_recovery() THEN"
                        + " pg_logical_emit_message(false, 'tablestream.snapshot', '') END")
                .mapTo(String.class).findOne();
    }

    /**
     * A table without a primary key: where the next {@code chunks - 1} page ranges after {@code progress} end (each
     * as many pages as should hold about a chunk of rows, as {@link #readPages} reads them), below the table's size;
     * the range after the last bound is read open, up to the end if the table is that short. None for a table that
     * is not a plain one ({@link #readPages} refuses it).
     */
    private List<List<String>> pageBounds(Handle h, TableId table, TableProgress progress, int chunks) {
        PageSize size = pageSize(h, table);
        if (!"r".equals(size.kind())) {
            return List.of();
        }
        long from = progress.after() == null ? 0 : Long.parseLong(progress.after().get(0));
        List<List<String>> bounds = new ArrayList<>();
        for (long to = from + size.pagesPerChunk(chunkSize); bounds.size() < chunks - 1 && to < size.pages();
             to += size.pagesPerChunk(chunkSize)) {
            bounds.add(List.of(Long.toString(to)));
        }
        return bounds;
    }

    /** A table's size in pages now, and as pg_class estimated it (rows, pages), and its kind. */
    private record PageSize(long pages, double tuples, long relpages, String kind) {

        /** How many pages should hold about {@code rows} rows. */
        long pagesPerChunk(int rows) {
            long rowsPerPage = relpages > 0 && tuples > 0 ? Math.max(1, (long) (tuples / relpages)) : 1;
            return Math.max(1, rows / rowsPerPage);
        }
    }

    private static PageSize pageSize(Handle h, TableId table) {
        return h.createQuery("SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint,"
                        + " c.reltuples, c.relpages, c.relkind::text FROM pg_class c WHERE c.oid = ?::regclass")
                .bind(0, table.quoted())
                .map((rs, ctx) -> new PageSize(rs.getLong(1), rs.getDouble(2), rs.getLong(3), rs.getString(4))).one();
    }

    private Chunk read(Handle h, TableId table, String topic, TableProgress progress, List<String> upTo,
                       String filter) throws SQLException {
        record Watermarks(String snapshot, long lsn, long tableOid) {
        }
        Watermarks marks = h.createQuery(WATERMARKS_SQL).bind(0, table.quoted())
                .map((rs, ctx) -> new Watermarks(rs.getString(1), rs.getLong(2), rs.getLong(3))).one();
        TableSchema schema = schema(h, table);
        List<ChangeEvent> rows = new ArrayList<>();
        TableProgress after = schema.keyColumns().isEmpty()
                ? readPages(h, schema, topic, progress, upTo, filter, marks.lsn(), rows)
                : readKeyRange(h, schema, topic, progress, upTo, filter, marks.lsn(), rows);
        return new Chunk(SnapshotWindow.PgSnapshot.parse(marks.snapshot()), marks.lsn(), rows, after,
                marks.tableOid());
    }

    /** The table's schema, read again only when the catalog state it was read from changed. */
    private TableSchema schema(Handle h, TableId table) throws SQLException {
        String fingerprint = h.createQuery(FINGERPRINT_SQL).bind(0, table.quoted()).mapTo(String.class).one();
        if (!table.equals(schemaTable) || !fingerprint.equals(schemaFingerprint)) {
            schema = StreamSchema.read(h, table, types, publication);
            schemaTable = table;
            schemaFingerprint = fingerprint;
        }
        return schema;
    }

    @Override
    public void close() {
        if (handle != null) {
            try {
                handle.close();
            } catch (JdbiException e) {
                // The connection is gone already: nothing is left to release.
            }
            handle = null;
        }
    }

    private TableProgress readKeyRange(Handle h, TableSchema schema, String topic, TableProgress progress,
                                       List<String> upTo, String filter, long lsn, List<ChangeEvent> rows)
            throws SQLException {
        List<String> keys = schema.keyColumns();
        String keyList = keys.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("SELECT ").append(columnList(schema));
        sql.append(", ").append(keyTexts(keys));
        sql.append(" FROM ").append(schema.table().quoted()).append(" WHERE ")
                .append(filter == null ? "true" : "(" + filter + ")").append(afterCondition(h, schema, progress));
        if (upTo != null) {
            sql.append(" AND (").append(keyList).append(") <= (").append(typedParameters(h, schema))
                    .append(") ORDER BY ").append(keyList);
        } else {
            sql.append(" ORDER BY ").append(keyList).append(" LIMIT ").append(chunkSize);
        }
        List<String> last = progress.after();
        try (PreparedStatement statement = h.getConnection().prepareStatement(sql.toString())) {
            int next = bindKey(statement, 1, progress.after());
            bindKey(statement, next, upTo);
            try (ResultSet rs = statement.executeQuery()) {
                int first = schema.columns().size() + 1;
                while (rs.next()) {
                    rows.add(event(schema, topic, rs, lsn));
                    if (upTo == null) {
                        last = new ArrayList<>(keys.size());
                        for (int i = 0; i < keys.size(); i++) {
                            last.add(rs.getString(first + i));
                        }
                    }
                }
            }
        }
        // A bounded chunk covers its range whatever it held, and ends before the next bounded or open one.
        return upTo != null ? new TableProgress(upTo, false) : new TableProgress(last, rows.size() < chunkSize);
    }

    /**
     * The key columns as text, each named apart from the column itself: ORDER BY must find the column (ordered as
     * its type), not its text.
     */
    private static String keyTexts(List<String> keys) {
        List<String> texts = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            texts.add(Identifiers.quote(keys.get(i)) + "::text AS " + Identifiers.quote("tablestream key " + i));
        }
        return String.join(", ", texts);
    }

    /** {@code AND (key) > (?::type, ...)} after the progress's key, or nothing when nothing was read yet. */
    private static String afterCondition(Handle h, TableSchema schema, TableProgress progress) {
        if (progress.after() == null) {
            return "";
        }
        if (progress.after().size() != schema.keyColumns().size()) {
            throw new ConnectException("The snapshot progress of " + schema.table() + " holds " + progress.after()
                    + ", but the table's primary key is now " + schema.keyColumns() + "; reset the table's snapshot"
                    + " offset");
        }
        return " AND (" + schema.keyColumns().stream().map(Identifiers::quote).collect(Collectors.joining(", "))
                + ") > (" + typedParameters(h, schema) + ")";
    }

    /** One parameter per key column, cast to the column's type, as the key's text is bound. */
    private static String typedParameters(Handle h, TableSchema schema) {
        List<String> typed = new ArrayList<>();
        for (String key : schema.keyColumns()) {
            String type = h.createQuery(KEY_TYPES_SQL).bind(0, schema.table().quoted()).bind(1, key)
                    .mapTo(String.class).one();
            typed.add("?::" + type);
        }
        return String.join(", ", typed);
    }

    /** Binds a key's text from parameter {@code index} on (none when null); the next parameter's index. */
    private static int bindKey(PreparedStatement statement, int index, List<String> key) throws SQLException {
        if (key == null) {
            return index;
        }
        for (String value : key) {
            statement.setString(index++, value);
        }
        return index;
    }

    /**
     * A table without a primary key: the pages after the progress up to the page {@code upTo} (excluded), or, when
     * null, as many as should hold about a chunk of rows. Rows beyond the table's size at this snapshot were
     * written after it, so the stream has them.
     */
    private TableProgress readPages(Handle h, TableSchema schema, String topic, TableProgress progress,
                                    List<String> upTo, String filter, long lsn, List<ChangeEvent> rows)
            throws SQLException {
        PageSize size = pageSize(h, schema.table());
        if (!"r".equals(size.kind())) {
            throw new ConnectException("Table " + schema.table() + " has no primary key and is not a plain table"
                    + " (relkind " + size.kind() + "): the incremental snapshot cannot read it in chunks. Add a"
                    + " primary key, or set " + CdcConfig.SNAPSHOT_MODE_CONFIG + "=" + SnapshotMode.INITIAL.configValue());
        }
        long from = progress.after() == null ? 0 : Long.parseLong(progress.after().get(0));
        long to = upTo != null ? Long.parseLong(upTo.get(0)) : from + size.pagesPerChunk(chunkSize);
        String sql = "SELECT " + columnList(schema) + " FROM " + schema.table().quoted()
                + " WHERE ctid >= ?::tid AND ctid < ?::tid" + (filter == null ? "" : " AND (" + filter + ")");
        try (PreparedStatement statement = h.getConnection().prepareStatement(sql)) {
            statement.setString(1, "(" + from + ",0)");
            statement.setString(2, "(" + to + ",0)");
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    rows.add(event(schema, topic, rs, lsn));
                }
            }
        }
        // A bounded range ends before the next range of its batch, which decides whether the table is done.
        return new TableProgress(List.of(Long.toString(to)), upTo == null && to >= size.pages());
    }

    private static String columnList(TableSchema schema) {
        return schema.columns().stream().map(c -> Identifiers.quote(c.column().name()))
                .collect(Collectors.joining(", "));
    }

    private static ChangeEvent event(TableSchema schema, String topic, ResultSet rs, long lsn) throws SQLException {
        Struct value = schema.readValue(rs);
        return new ChangeEvent(schema, topic, 'r', schema.key(value), null, value, lsn, 0, System.currentTimeMillis());
    }
}
