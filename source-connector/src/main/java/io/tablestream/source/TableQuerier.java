package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Polls one table: runs its {@link PollQuery} inside a repeatable-read transaction and turns rows into records,
 * advancing the table's offset only past rows that no in-flight transaction can still overtake.
 *
 * <p>Why: a row may be given its id or timestamp early and commit late. If we read a later row first and moved the
 * offset past it, the late one would be skipped for ever (Confluent's JDBC source loses rows exactly so). Every
 * transaction still in flight when our snapshot was taken has an id at or above the snapshot's {@code xmin}, so we
 * stop at the first row written by such a recent transaction and read it again on a later poll, when the older
 * transactions have ended.
 */
final class TableQuerier {

    private static final Set<String> INCREMENTING_TYPES = Set.of("int2", "int4", "int8");
    private static final Set<String> TIMESTAMP_TYPES = Set.of("timestamp", "timestamptz");

    private final TableSchema schema;
    private final Mode mode;
    private final String topic;
    private final Map<String, String> partition;
    private final int incrementingIndex;
    private final int timestampIndex;
    private final boolean timestampWithTimeZone;
    private final String firstSql;
    private final String nextSql;
    private TableOffset offset;
    private long nextPollAtMs;

    TableQuerier(TableSchema schema, PostgresSourceConfig config, TableOffset offset) {
        this.schema = schema;
        this.mode = config.mode();
        this.topic = config.topicFor(schema.table());
        this.partition = TableOffset.partition(schema.table());
        this.incrementingIndex = mode.usesIncrementing()
                ? checkedColumn(config.incrementingColumn(), INCREMENTING_TYPES, PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG)
                : -1;
        this.timestampIndex = mode.usesTimestamp()
                ? checkedColumn(config.timestampColumn(), TIMESTAMP_TYPES, PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG)
                : -1;
        this.timestampWithTimeZone = timestampIndex >= 0
                && "timestamptz".equals(schema.columns().get(timestampIndex).column().typeName());
        boolean limited = mode != Mode.TIMESTAMP;
        this.firstSql = PollQuery.sql(schema, mode, config.incrementingColumn(), config.timestampColumn(), false, limited);
        this.nextSql = PollQuery.sql(schema, mode, config.incrementingColumn(), config.timestampColumn(), true, limited);
        this.offset = offset;
    }

    private int checkedColumn(String name, Set<String> allowedTypes, String configKey) {
        int index = schema.indexOf(name);
        if (index < 0) {
            throw new ConnectException(configKey + "=" + name + ": table " + schema.table()
                    + " has no such column; its columns are "
                    + schema.columns().stream().map(c -> c.column().name()).toList());
        }
        String type = schema.columns().get(index).column().typeName();
        if (!allowedTypes.contains(type)) {
            throw new ConnectException(configKey + "=" + name + ": column " + name + " of " + schema.table()
                    + " has type " + type + "; it must be one of " + allowedTypes);
        }
        return index;
    }

    TableId table() {
        return schema.table();
    }

    long nextPollAtMs() {
        return nextPollAtMs;
    }

    void scheduleNextPoll(long atMs) {
        this.nextPollAtMs = atMs;
    }

    TableOffset offset() {
        return offset;
    }

    /** One poll, at most {@code maxRows} rows (timestamp mode may finish the group of rows sharing the last stamp). */
    List<SourceRecord> poll(Handle handle, int maxRows) {
        long snapshotXmin = handle.createQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                .mapTo(Long.class).one();
        Query query = handle.createQuery(offset.isStart() ? firstSql : nextSql)
                .setFetchSize(Math.min(maxRows + 1, 10_000));
        int position = 0;
        if (!offset.isStart()) {
            if (mode.usesTimestamp()) {
                Object ts = timestampParameter(offset.timestampMicros());
                query.bind(position++, ts);
                if (mode == Mode.TIMESTAMP_INCREMENTING) {
                    query.bind(position++, ts);
                }
            }
            if (mode.usesIncrementing()) {
                query.bind(position++, offset.incrementing());
            }
        }
        if (mode != Mode.TIMESTAMP) {
            query.bind(position, maxRows);
        }
        return query.scanResultSet((rows, ctx) -> read(rows.get(), maxRows, (int) snapshotXmin));
    }

    private Object timestampParameter(long micros) {
        Instant instant = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        return timestampWithTimeZone ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC)
                : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private List<SourceRecord> read(ResultSet rs, int maxRows, int snapshotXmin) throws SQLException {
        List<Row> rows = new ArrayList<>();
        int xminIndex = schema.columns().size() + 1;
        Long blockedAtTimestamp = null;
        while (rs.next()) {
            Long ts = timestampIndex >= 0 ? timestampMicros(rs, timestampIndex + 1) : null;
            if (writtenByRecentTransaction(rs.getLong(xminIndex), snapshotXmin)) {
                blockedAtTimestamp = ts;
                break;
            }
            if (mode == Mode.TIMESTAMP && rows.size() >= maxRows && !ts.equals(rows.get(rows.size() - 1).timestampMicros)) {
                break; // the group of rows sharing the last stamp is complete
            }
            rows.add(new Row(readValue(rs), incrementingIndex >= 0 ? rs.getLong(incrementingIndex + 1) : null, ts));
        }
        if (mode == Mode.TIMESTAMP && blockedAtTimestamp != null) {
            // A stamp's rows must go out together: drop those that share the blocked row's stamp, read them next time.
            long blocked = blockedAtTimestamp;
            rows.removeIf(r -> r.timestampMicros == blocked);
        }
        return toRecords(rows);
    }

    /** Transaction ids are 32-bit and wrap around: compare them as PostgreSQL does, by signed difference. */
    static boolean writtenByRecentTransaction(long rowXid, int snapshotXmin) {
        if (rowXid < 3) {
            return false; // bootstrap and frozen ids: committed long ago
        }
        return (int) rowXid - snapshotXmin >= 0;
    }

    private Struct readValue(ResultSet rs) throws SQLException {
        Struct value = new Struct(schema.valueSchema());
        List<ColumnReader> columns = schema.columns();
        for (int i = 0; i < columns.size(); i++) {
            ColumnReader column = columns.get(i);
            value.put(column.column().name(), column.read(rs, i + 1));
        }
        return value;
    }

    private long timestampMicros(ResultSet rs, int index) throws SQLException {
        Instant instant = timestampWithTimeZone
                ? rs.getObject(index, OffsetDateTime.class).toInstant()
                : rs.getObject(index, LocalDateTime.class).toInstant(ZoneOffset.UTC);
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    private List<SourceRecord> toRecords(List<Row> rows) {
        List<SourceRecord> records = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            boolean lastOfStampGroup = i == rows.size() - 1
                    || !Objects.equals(rows.get(i + 1).timestampMicros, row.timestampMicros);
            TableOffset after = switch (mode) {
                case INCREMENTING -> new TableOffset(row.incrementing, null);
                case TIMESTAMP_INCREMENTING -> new TableOffset(row.incrementing, row.timestampMicros);
                // Only the last row of a stamp group may claim the stamp: a crash mid-group then replays the group.
                case TIMESTAMP -> lastOfStampGroup ? new TableOffset(null, row.timestampMicros) : offset;
                case CDC -> throw new IllegalStateException("mode=cdc does not poll tables");
            };
            records.add(new SourceRecord(partition, after.toMap(), topic, null,
                    schema.keySchema(), key(row.value), schema.valueSchema(), row.value));
            offset = after;
        }
        return records;
    }

    private Struct key(Struct value) {
        if (schema.keySchema() == null) {
            return null;
        }
        Struct key = new Struct(schema.keySchema());
        for (String column : schema.keyColumns()) {
            key.put(column, value.get(column));
        }
        return key;
    }

    private record Row(Struct value, Long incrementing, Long timestampMicros) {
    }
}
