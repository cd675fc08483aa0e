package io.tablestream.source.cdc;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * One chunk of an incremental snapshot while it waits for the stream to pass it, and the rule that keeps it from
 * reverting a streamed change. No writes to the database are needed (it works on a read-only connection), as the
 * watermarks are a transaction snapshot and a WAL position instead of rows written to a signal table.
 *
 * <p>The chunk was read in one repeatable-read transaction whose first statement returned its snapshot {@code S}
 * ({@code pg_current_snapshot()}) and {@code H = pg_current_wal_insert_lsn()} (on a hot standby see below). Why that
 * is enough:
 * <ul>
 *   <li>Every transaction visible in {@code S} had written its commit record before {@code S} was taken, so before
 *       {@code H}: once the stream has handed out everything committed before {@code H}, it has handed out every
 *       change the chunk reflects, and the chunk's rows, emitted then, come after those changes.</li>
 *   <li>A streamed transaction NOT visible in {@code S} committed after the chunk's rows were read (or its commit
 *       was not yet visible): its changes are newer than the chunk. Every key it touches (insert, update, delete,
 *       either key of a key change; a truncate: every key) is dropped from the chunk, so the stream's record is the
 *       last word for that key. This includes such transactions streamed shortly BEFORE the chunk was read (a
 *       commit is in the WAL, and can be decoded, before it becomes visible to new snapshots): the window is fed
 *       the stream from the previous chunk's release on, and judges those records once {@code S} is known.</li>
 *   <li>A streamed transaction visible in {@code S} is already in the chunk, and its records are in Kafka before
 *       the chunk's, as is every later change of the key visible in {@code S} (all commit before {@code H}): the
 *       chunk's row would only repeat the newest of them, so it is dropped too. The exception is an update that
 *       left unchanged large values out of the WAL: its record lacks them, so the chunk's complete row stays.</li>
 * </ul>
 * So for every key the last record in Kafka is the newest state: a chunk row never follows a newer streamed change,
 * and a row the stream has just sent is not sent again. {@code H} only decides WHEN the chunk goes out: released
 * earlier, the chunk would still not revert anything (the newer changes it missed are either seen and dropped, or
 * streamed after it), but the stream could then repeat, after the chunk's row, states the row already holds.
 * Tables without a key cannot be deduplicated: their chunk rows are emitted as read.
 *
 * <p><b>On a hot standby</b> (PostgreSQL 16+ decodes a slot there) no WAL can be written, so there is no insert
 * position and no watermark message; {@code H = pg_last_wal_replay_lsn()} instead, read in the same statement as
 * {@code S}, after it:
 * <ul>
 *   <li>A standby's snapshot sees a transaction only once the startup process has replayed its commit record (the
 *       record's redo is what ends the transaction there), and a record's end is published as the replay position
 *       right after its redo. So every commit {@code S} sees ends at or before {@code H}, except, in the instant
 *       between those two steps, the one commit being replayed: that transaction may then be streamed after the
 *       chunk, repeating a state the chunk's rows hold (the first bullet above does not depend on {@code H}, so
 *       nothing is lost or reverted).</li>
 *   <li>The changes themselves are judged as on a primary: the standby's stream is the primary's WAL, decoded in
 *       the same commit order, and visibility on the standby follows the replayed commit records.</li>
 *   <li>The stream passes {@code H} without any new WAL: the standby's walsender decodes up to the replay
 *       position, so once it has decoded (and handed out) everything replayed when the chunk was read, the position
 *       it has sent is at least {@code H}, and its keepalives carry that position
 *       ({@link StreamSource#position}), also while the primary writes nothing at all.</li>
 * </ul>
 */
final class SnapshotWindow {

    /** A row's identity in Kafka: its topic and the values of its key. */
    record RowKey(String topic, List<Object> values) {

        static RowKey of(String topic, Struct key) {
            List<Object> values = new ArrayList<>(key.schema().fields().size());
            for (Field field : key.schema().fields()) {
                values.add(comparable(key.get(field)));
            }
            return new RowKey(topic, values);
        }

        /** Equal values compare equal whichever reader produced them (stream text vs snapshot binary). */
        private static Object comparable(Object value) {
            if (value instanceof byte[] bytes) {
                return ByteBuffer.wrap(bytes);
            }
            if (value instanceof BigDecimal decimal) {
                return decimal.stripTrailingZeros();
            }
            return value;
        }
    }

    /**
     * A transaction snapshot as {@code pg_current_snapshot()} prints it ({@code xmin:xmax:xip,...}), 64-bit ids.
     * Visible: below xmin, or below xmax and not in progress (PostgreSQL's {@code pg_visible_in_snapshot}).
     */
    record PgSnapshot(long xmin, long xmax, Set<Long> inProgress) {

        static PgSnapshot parse(String text) {
            String[] parts = text.split(":", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException("Not a pg_snapshot: " + text);
            }
            Set<Long> xip = new java.util.HashSet<>();
            for (String xid : parts[2].split(",")) {
                if (!xid.isBlank()) {
                    xip.add(Long.parseLong(xid.trim()));
                }
            }
            return new PgSnapshot(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Set.copyOf(xip));
        }

        /**
         * Whether the transaction with this 32-bit id (as pgoutput sends it) is visible; its epoch is the one that
         * puts it closest to xmax, as a streamed transaction is less than 2^31 transactions older or newer.
         */
        boolean visible(long xid32) {
            long full = io.tablestream.jdbc.TransactionIds.nearest(xid32, xmax);
            return full < xmin || (full < xmax && !inProgress.contains(full));
        }
    }

    /**
     * A streamed change: its topic, the pg_class oid of the table it was written to (0: not known), key (null for a
     * truncate), 32-bit transaction id, and for an update that left large values out (unchanged TOASTed columns,
     * named in its header) the row with the values it has.
     */
    record StreamedChange(String topic, long relationOid, Struct key, long xid, Struct partialRow,
                          List<String> unavailable) {

        /** The change a streamed record stands for, or null for a tombstone that follows a delete record. */
        static StreamedChange of(SourceRecord record) {
            Header op = record.headers().lastWithName(ChangeEvent.OP_HEADER);
            Header txid = record.headers().lastWithName(ChangeEvent.TXID_HEADER);
            if (op == null || txid == null) {
                return null; // the tombstone after a delete: the delete record itself carries the change
            }
            Header unavailable = record.headers().lastWithName(UnavailableValues.HEADER);
            Struct row = null;
            List<String> columns = List.of();
            if (unavailable != null && record.value() instanceof Struct value) {
                boolean envelope = value.schema().field("after") != null && value.schema().field("source") != null;
                row = envelope ? value.getStruct("after") : value;
                columns = UnavailableValues.columnsOf(String.valueOf(unavailable.value()));
            }
            long relationOid = record instanceof ChangeEvent.ChangeRecord change ? change.relationOid() : 0;
            return new StreamedChange(record.topic(), relationOid, (Struct) record.key(),
                    ((Number) txid.value()).longValue(), row, columns);
        }
    }

    private final String topic;
    private final long tableOid;
    private final PgSnapshot snapshot;
    private final long highWatermark;
    private final LinkedHashMap<RowKey, ChangeEvent> keyed = new LinkedHashMap<>();
    private final List<ChangeEvent> keyless = new ArrayList<>();
    private int dropped;

    /**
     * @param topic         the topic of the chunk's table
     * @param tableOid      the pg_class oid of the table read: a change another table of that topic's name wrote
     *                      before the chunk was read (a table dropped or renamed away since) says nothing of its rows
     * @param snapshot      the chunk's transaction snapshot
     * @param highWatermark the WAL insert position (on a standby: the replay position) read with that snapshot
     * @param rows          the chunk's rows, in key order
     * @param seenBefore    changes streamed since the previous chunk was released, in stream order, judged now
     *                      that S is known
     */
    SnapshotWindow(String topic, long tableOid, PgSnapshot snapshot, long highWatermark, List<ChangeEvent> rows,
                   Collection<StreamedChange> seenBefore) {
        this.topic = topic;
        this.tableOid = tableOid;
        this.snapshot = snapshot;
        this.highWatermark = highWatermark;
        for (ChangeEvent row : rows) {
            if (row.key() == null) {
                keyless.add(row);
            } else {
                keyed.put(RowKey.of(topic, row.key()), row);
            }
        }
        seenBefore.forEach(this::observe);
    }

    /** A change the stream handed out while the chunk waits: the stream's record is the last word for its key. */
    void observe(StreamedChange change) {
        if (change == null || !topic.equals(change.topic())) {
            return;
        }
        if (change.relationOid() != 0 && change.relationOid() != tableOid && snapshot.visible(change.xid())) {
            // Another table of this name, written before the chunk was read: an old table (dropped or renamed away
            // since), whose keys may be the chunk's too and say nothing of its rows. Written after the read, it is
            // a table that took the name since, and its change is the last word for its key, as any other.
            return;
        }
        if (change.partialRow() != null && snapshot.visible(change.xid())) {
            return; // the chunk's row is this state, complete: it stays
        }
        if (change.key() == null) {
            dropped += keyed.size(); // a truncate: none of the chunk's rows exists any more
            keyed.clear();
            keyless.clear();
        } else {
            RowKey key = RowKey.of(topic, change.key());
            ChangeEvent row = keyed.get(key);
            if (row == null) {
                return;
            }
            if (change.partialRow() != null) {
                // An update without its unchanged large values: those the chunk read are still current, the rest
                // comes from the update. Dropping the row instead would leave the large values nowhere.
                keyed.put(key, withValuesOf(row, change.partialRow(), change.unavailable()));
            } else {
                keyed.remove(key);
                dropped++;
            }
        }
    }

    private static ChangeEvent withValuesOf(ChangeEvent row, Struct update, List<String> unavailable) {
        Struct merged = new Struct(row.after().schema());
        for (Field field : merged.schema().fields()) {
            boolean fromUpdate = !unavailable.contains(field.name()) && update.schema().field(field.name()) != null;
            merged.put(field, fromUpdate ? update.get(field.name()) : row.after().get(field));
        }
        return new ChangeEvent(row.schema(), row.topic(), row.op(), row.key(), row.before(), merged, row.lsn(),
                row.txid(), row.commitTimeMs());
    }

    /** Whether the stream, standing at {@code streamPosition} between transactions, has passed the chunk. */
    boolean passedBy(long streamPosition) {
        return streamPosition >= highWatermark;
    }

    long highWatermark() {
        return highWatermark;
    }

    /** The rows to emit, in key order: those no newer streamed change touched. */
    List<ChangeEvent> rows() {
        List<ChangeEvent> rows = new ArrayList<>(keyed.size() + keyless.size());
        rows.addAll(keyed.values());
        rows.addAll(keyless);
        return rows;
    }

    /** How many rows newer streamed changes replaced. */
    int dropped() {
        return dropped;
    }
}
