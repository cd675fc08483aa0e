package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.TransactionIds;
import io.tablestream.jdbc.types.ColumnReader;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Polls one table: runs its {@link PollQuery} inside a repeatable-read transaction and turns rows into records,
 * advancing the table's offset only past rows that no open transaction can still overtake.
 *
 * <p>Why: a row may be given its id or timestamp early and commit late. If we read a later row first and moved the
 * offset past it, the late one would be skipped for ever (Confluent's JDBC source loses rows exactly so). Three
 * holds make the offset safe:
 * <ol>
 *   <li>Transactions that have written: each one still in flight when our snapshot was taken has a transaction id
 *       at or above the snapshot's {@code xmin}, so we stop at the first row written by such a recent transaction
 *       and read it again on a later poll, when the older transactions have ended. Ids are compared as full 64-bit
 *       ids ({@code xid8}), rebuilt from the row's 32-bit {@code xmin}, so wraparound cannot block or pass a row.</li>
 *   <li>Transactions that have not written yet (no transaction id, invisible to {@code xmin}) but already hold their
 *       stamp: {@code now()}, the default of many stamp columns, is the transaction's START. Timestamp modes read
 *       only rows stamped before the oldest open transaction in the database began, looked up just before our
 *       snapshot ({@link OpenTransactions}), so any writer still open then stamps at or after the bound, and any
 *       writer that stamped below it had ended by then and is in our snapshot.</li>
 *   <li>The same for ids taken from a sequence before the transaction wrote: in incrementing mode, while a
 *       transaction is open, rows whose writer may have ended after it began wait too ({@link OpenTransactions}).</li>
 * </ol>
 * Not covered: a stamp or id obtained before its transaction began (computed by the application, or fetched ahead
 * in an earlier transaction); timestamp.delay.interval.ms covers stamps that are late by a known bound. Views and
 * the custom query have no {@code xmin}: holds 1 and 3 do not apply to them, hold 2 does.
 */
final class TableQuerier implements Querier {

    static final Set<String> INCREMENTING_TYPES = Set.of("int2", "int4", "int8");
    static final Set<String> TIMESTAMP_TYPES = Set.of("timestamp", "timestamptz");
    static final long RECHECK_HELD_MS = 50;
    /** Rows fetched from the server at a time. */
    private static final int MAX_FETCH_ROWS = 10_000;
    /**
     * Incrementing modes: the most rows sharing one position a poll reads (batch.max.rows when larger); a group of
     * more fails the task rather than exhaust the worker's memory.
     */
    static final int MAX_GROUP_ROWS = 100_000;

    private final TableSchema schema;
    private final Mode mode;
    private final String topic;
    private final Map<String, String> partition;
    private final int incrementingIndex;
    private final int timestampIndex;
    private final boolean timestampWithTimeZone;
    /** The zone whose wall clock a timestamp column's values follow: UTC for timestamptz, db.timezone otherwise. */
    private final ZoneId wallClock;
    private final PollQuery query;
    private final OpenTransactions openTransactions;
    private TableOffset offset;
    private long nextPollAtMs;
    private boolean hasMore;
    /** Whether the last poll may have held rows back for an open transaction and the next comes soon. */
    private boolean recheckSoon;

    /** Polls a table into its topic. */
    TableQuerier(TableSchema schema, PostgresSourceConfig config, TableOffset storedOffset) {
        this(schema, config, storedOffset, config.topicFor(schema.table()), TableOffset.partition(schema.table()), null);
    }

    /**
     * Polls the rows of the custom query (Confluent's query with an incremental mode) into the topic named by
     * topic.prefix. A query's rows carry no {@code xmin}: only the open-transaction bounds apply (see above).
     */
    static TableQuerier forQuery(TableSchema schema, PostgresSourceConfig config, TableOffset storedOffset, String query) {
        return new TableQuerier(schema, config, storedOffset, config.queryTopic(),
                Map.of(BulkQuerier.QUERY_PARTITION_KEY, config.queryTopic()), query);
    }

    private TableQuerier(TableSchema schema, PostgresSourceConfig config, TableOffset storedOffset, String topic,
                         Map<String, String> partition, String customQuery) {
        this.schema = schema;
        this.mode = config.mode();
        this.topic = topic;
        this.partition = partition;
        // A query's result columns do not say whether they can be NULL.
        boolean requireNotNull = config.validateNonNull() && customQuery == null;
        this.incrementingIndex = mode.usesIncrementing()
                ? checkedColumn(config.incrementingColumn(), INCREMENTING_TYPES, PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG,
                requireNotNull)
                : -1;
        this.timestampIndex = mode.usesTimestamp()
                ? checkedColumn(config.timestampColumn(), TIMESTAMP_TYPES, PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG,
                requireNotNull)
                : -1;
        this.timestampWithTimeZone = timestampIndex >= 0
                && "timestamptz".equals(schema.columns().get(timestampIndex).column().typeName());
        this.wallClock = timestampWithTimeZone ? ZoneOffset.UTC : config.dbTimeZone();
        PollQuery.Options options = new PollQuery.Options(config.timestampDelayMs(), config.dbTimeZone().getId(),
                config.querySuffix(), customQuery);
        this.query = new PollQuery(schema, mode, config.incrementingColumn(), config.timestampColumn(), options);
        this.offset = storedOffset.isStart() ? initialOffset(mode, config, wallClock) : storedOffset;
        this.openTransactions = new OpenTransactions(schema.table().toString());
    }

    /**
     * Where to start without a stored offset: the beginning, or after timestamp.initial (-1 = now). Offsets hold
     * the column's values as microseconds of their wall clock read as UTC ({@code wallClock}: UTC for timestamptz,
     * db.timezone for timestamp), so the start instant is read on that wall clock.
     */
    static TableOffset initialOffset(Mode mode, PostgresSourceConfig config, ZoneId wallClock) {
        Long initialMs = config.timestampInitialMs();
        if (!mode.usesTimestamp() || initialMs == null) {
            return TableOffset.START;
        }
        Instant start = initialMs == -1 ? Instant.now() : Instant.ofEpochMilli(initialMs);
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH,
                LocalDateTime.ofInstant(start, wallClock).toInstant(ZoneOffset.UTC));
        return new TableOffset(mode.usesIncrementing() ? Long.MIN_VALUE : null, micros);
    }

    /** The problem with a table's incrementing or timestamp column, or null when it is usable. */
    static String columnProblem(TableSchema schema, String name, Set<String> allowedTypes, String configKey,
                                boolean requireNotNull) {
        ColumnReader column = schema.column(name);
        if (column == null) {
            return configKey + "=" + name + ": table " + schema.table() + " has no such column; its columns are "
                    + schema.columns().stream().map(c -> c.column().name()).toList()
                    + ". Name a column every selected table has, or leave this table out of the selection";
        }
        String type = column.column().typeName();
        boolean builtIn = "pg_catalog".equals(column.column().typeSchema()); // not a user's type named int8
        if (!allowedTypes.contains(type) || !builtIn
                || column.column().kind() != io.tablestream.jdbc.types.PgColumn.Kind.BASE) {
            return configKey + "=" + name + ": column " + name + " of " + schema.table() + " has type "
                    + column.column().sqlType()
                    + "; it must be one of " + allowedTypes + ": choose another column";
        }
        if (requireNotNull && !column.column().notNull()) {
            return configKey + "=" + name + ": column " + name + " of " + schema.table() + " is nullable, and rows"
                    + " where it is NULL are never read; declare it NOT NULL or set validate.non.null=false";
        }
        return null;
    }

    private int checkedColumn(String name, Set<String> allowedTypes, String configKey, boolean requireNotNull) {
        String problem = columnProblem(schema, name, allowedTypes, configKey, requireNotNull);
        if (problem != null) {
            throw new ConnectException(problem);
        }
        return schema.indexOf(name);
    }

    TableId table() {
        return schema.table();
    }

    @Override
    public String name() {
        return schema.table().toString();
    }

    @Override
    public long nextPollAtMs() {
        return nextPollAtMs;
    }

    @Override
    public void scheduleNextPoll(long atMs) {
        this.nextPollAtMs = atMs;
    }

    @Override
    public boolean hasMoreNow() {
        return hasMore;
    }

    /**
     * Most transactions that hold rows back end within milliseconds, so after a poll that may have held rows for an
     * open transaction the table is polled again {@link #RECHECK_HELD_MS} later instead of a whole poll interval;
     * at most once per interval, so a busy database costs at most one extra poll per interval.
     */
    @Override
    public long nextPollDelayMs(long pollIntervalMs) {
        if (hasMore) {
            return 0;
        }
        return recheckSoon ? Math.min(pollIntervalMs, RECHECK_HELD_MS) : pollIntervalMs;
    }

    TableOffset offset() {
        return offset;
    }

    /** For the lag metric: ms from the newest timestamp read to {@code nowMs}; NaN before one was read. */
    double newestRowAgeMs(long nowMs) {
        Long newest = offset.timestampMicros();
        if (newest == null || newest == Long.MIN_VALUE || newest == Long.MAX_VALUE) {
            return Double.NaN; // nothing read yet, or only -infinity/infinity
        }
        long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH,
                LocalDateTime.ofInstant(Instant.ofEpochMilli(nowMs), wallClock).toInstant(ZoneOffset.UTC));
        return (nowMicros - newest) / 1000.0;
    }

    /**
     * One poll in one repeatable-read snapshot, at most {@code maxRows} rows, but never part of the rows at one
     * offset position: timestamp mode reads on to the end of the last stamp's rows, incrementing modes read the
     * rest of the last row's group when the row after the batch shares its position. The offset moves only after
     * the transaction ended well.
     */
    @Override
    public List<SourceRecord> poll(Handle handle, int maxRows) {
        OpenTransactions.Bounds bounds = openTransactions.look(handle);
        Batch batch = handle.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> read(h, maxRows, bounds));
        offset = batch.after();
        hasMore = batch.records().size() >= maxRows;
        // Incrementing: rows were held for the open transaction. Timestamp modes: an open transaction lowered the
        // bound, so rows stamped since it began may be waiting (the query did not read them to tell).
        boolean mayHoldRows = batch.heldByOpenTransaction() || (mode.usesTimestamp() && bounds.oldestOpen() != null);
        recheckSoon = mayHoldRows && !recheckSoon;
        return batch.records();
    }

    private Batch read(Handle handle, int maxRows, OpenTransactions.Bounds bounds) {
        Snapshot snapshot = handle.createQuery(SNAPSHOT_SQL)
                .map((rs, ctx) -> new Snapshot(rs.getLong(1), rs.getLong(2))).one();
        long horizon = mode == Mode.INCREMENTING ? Math.min(snapshot.xmin(), bounds.idHorizon()) : snapshot.xmin();
        // Incrementing modes read one row past the batch: it tells whether the LIMIT cut through a group of rows
        // sharing the last row's position, without a second query when it did not.
        int limit = (int) Math.min((long) maxRows + 1, Integer.MAX_VALUE);
        Query rowsQuery = query.statement(offset, bounds.timestampBound(), limit).create(handle)
                .setFetchSize(Math.min(limit, MAX_FETCH_ROWS));
        Rows rows = rowsQuery.scanResultSet((rs, ctx) -> readRows(rs.get(), maxRows, horizon, snapshot.xmax()));
        if (mode.usesIncrementing() && rows.heldXid() == null && rows.rows().size() > maxRows) {
            rows = withoutRowPastBatch(handle, rows.rows(), maxRows, horizon, snapshot.xmax());
        }
        // Held only by the open transaction's id horizon, not by a writer in flight at our snapshot.
        boolean heldByOpenTransaction = rows.heldXid() != null && rows.heldXid() < snapshot.xmin();
        return toRecords(rows.rows(), heldByOpenTransaction);
    }

    /** The rows read, and the full id of the writer of the first row held back (null: none held). */
    private record Rows(List<Row> rows, Long heldXid) {
    }

    private static final String SNAPSHOT_SQL = "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint"
            + " FROM pg_current_snapshot() s";

    /** The poll's snapshot: full transaction ids; every id below xmin had ended, none at or above xmax had begun. */
    private record Snapshot(long xmin, long xmax) {
    }

    private Rows readRows(ResultSet rs, int maxRows, long horizon, long snapshotXmax) throws SQLException {
        List<Row> rows = new ArrayList<>();
        int xminIndex = schema.columns().size() + 1;
        Row blocked = null;
        Long heldXid = null;
        while (rs.next()) {
            Long ts = timestampIndex >= 0 ? timestampMicros(rs, timestampIndex + 1) : null;
            Long inc = incrementingIndex >= 0 ? rs.getLong(incrementingIndex + 1) : null;
            long rowXid = rs.getLong(xminIndex);
            if (writtenAtOrAfter(rowXid, horizon, snapshotXmax)) {
                blocked = new Row(null, inc, ts);
                heldXid = TransactionIds.full(rowXid, snapshotXmax);
                break;
            }
            if (mode == Mode.TIMESTAMP && rows.size() >= maxRows && !ts.equals(rows.get(rows.size() - 1).timestampMicros)) {
                break; // the group of rows sharing the last stamp is complete
            }
            rows.add(new Row(schema.readValue(rs), inc, ts));
        }
        if (blocked != null) {
            // The rows at one offset position must go out together (a stamp in timestamp mode; an id, or a stamp and
            // an id, that several rows may share otherwise): drop those at the blocked row's, read them next time.
            Row held = blocked;
            rows.removeIf(r -> samePosition(r, held));
        }
        return new Rows(rows, heldXid);
    }

    /** Whether two rows stand at the same offset position: an offset cannot stand between them. */
    private boolean samePosition(Row a, Row b) {
        return switch (mode) {
            case TIMESTAMP -> Objects.equals(a.timestampMicros, b.timestampMicros);
            case INCREMENTING -> Objects.equals(a.incrementing, b.incrementing);
            default -> Objects.equals(a.timestampMicros, b.timestampMicros) && Objects.equals(a.incrementing, b.incrementing);
        };
    }

    /**
     * The batch without the row read past it. When that row shares the last row's position (an id that is not
     * unique, or a query joining one row to several), the LIMIT may have cut through the group of rows at it, and
     * the offset cannot stand inside a group: the group is read whole, in the same snapshot, or left for a later
     * poll when a row of it is held back.
     */
    private Rows withoutRowPastBatch(Handle handle, List<Row> rows, int maxRows, long horizon, long snapshotXmax) {
        Row pastBatch = rows.get(maxRows);
        Row last = rows.get(maxRows - 1);
        if (!samePosition(pastBatch, last)) {
            return new Rows(rows.subList(0, maxRows), null);
        }
        List<Row> before = new ArrayList<>(rows.stream().filter(r -> !samePosition(r, last)).toList());
        int cap = Math.max(MAX_GROUP_ROWS, maxRows);
        int limit = (int) Math.min((long) cap + 1, Integer.MAX_VALUE);
        Rows group = query.groupStatement(last.incrementing, last.timestampMicros, limit).create(handle)
                .setFetchSize(MAX_FETCH_ROWS)
                .scanResultSet((rs, ctx) -> readRows(rs.get(), Integer.MAX_VALUE, horizon, snapshotXmax));
        if (group.rows().size() > cap) {
            throw new ConnectException(groupTooLarge(cap, last));
        }
        if (group.heldXid() == null) {
            before.addAll(group.rows());
        }
        return new Rows(before, group.heldXid());
    }

    private String groupTooLarge(int cap, Row last) {
        String position = mode == Mode.TIMESTAMP_INCREMENTING
                ? "share the incrementing value " + last.incrementing + " and one timestamp"
                : "share the incrementing value " + last.incrementing;
        return "More than " + cap + " rows of " + name() + " " + position + " in "
                + PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG + " column " + incrementingColumnName()
                + ": rows at one position are read in one poll (the offset cannot stand between them), and so many"
                + " would not fit in memory. " + PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG
                + " should name a unique (or nearly unique) column, such as the primary key; or raise "
                + PostgresSourceConfig.BATCH_MAX_ROWS_CONFIG + " above the group's size to read it whole";
    }

    private String incrementingColumnName() {
        return schema.columns().get(incrementingIndex).column().name();
    }

    /**
     * Whether a row visible in the snapshot was written by the transaction {@code horizon} (a full id) or a later one.
     * A row stores the low 32 bits of its writer's id; the writer began before the snapshot's {@code xmax}, so its
     * full id is the latest one below xmax with those bits. A frozen row more than 2^32 ids old can be taken for a
     * recent one; it then waits only until the horizon passes that id, never for ever.
     */
    static boolean writtenAtOrAfter(long rowXid, long horizon, long snapshotXmax) {
        if (rowXid < 3) {
            return false; // bootstrap and frozen ids: committed long ago
        }
        return TransactionIds.full(rowXid, snapshotXmax) >= horizon;
    }

    /**
     * A row's stamp in microseconds; pgjdbc reads -infinity and infinity as the MIN and MAX of the java.time type,
     * which become the smallest and largest long (the order is kept, and {@link PollQuery} maps them back).
     */
    private long timestampMicros(ResultSet rs, int index) throws SQLException {
        Instant instant;
        if (timestampWithTimeZone) {
            OffsetDateTime value = rs.getObject(index, OffsetDateTime.class);
            if (value.equals(OffsetDateTime.MIN) || value.equals(OffsetDateTime.MAX)) {
                return value.equals(OffsetDateTime.MIN) ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            instant = value.toInstant();
        } else {
            LocalDateTime value = rs.getObject(index, LocalDateTime.class);
            if (value.equals(LocalDateTime.MIN) || value.equals(LocalDateTime.MAX)) {
                return value.equals(LocalDateTime.MIN) ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            instant = value.toInstant(ZoneOffset.UTC);
        }
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    private Batch toRecords(List<Row> rows, boolean heldByOpenTransaction) {
        TableOffset position = offset;
        List<SourceRecord> records = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            // Only the last row at a position may claim it (rows may share a stamp, or an id): a crash inside the
            // group then replays the group instead of skipping its rest.
            boolean lastAtPosition = i == rows.size() - 1 || !samePosition(rows.get(i + 1), row);
            TableOffset after = !lastAtPosition ? position : switch (mode) {
                case INCREMENTING -> new TableOffset(row.incrementing, null);
                case TIMESTAMP_INCREMENTING -> new TableOffset(row.incrementing, row.timestampMicros);
                case TIMESTAMP -> new TableOffset(null, row.timestampMicros);
                default -> throw new IllegalStateException("TableQuerier does not poll in mode " + mode);
            };
            records.add(new SourceRecord(partition, after.toMap(), topic, null,
                    schema.keySchema(), schema.key(row.value), schema.valueSchema(), row.value));
            position = after;
        }
        return new Batch(records, position, heldByOpenTransaction);
    }

    private record Batch(List<SourceRecord> records, TableOffset after, boolean heldByOpenTransaction) {
    }

    private record Row(Struct value, Long incrementing, Long timestampMicros) {
    }
}
