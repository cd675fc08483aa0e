package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.HashMap;
import java.util.Map;

/**
 * Where the CDC stream stands, stored as the Connect source offset of the slot's partition.
 *
 * @param lsn          end LSN of the last database transaction whose every record is in Kafka (during the
 *                     snapshot: the slot's consistent point); streaming resumes there
 * @param txid         id of that transaction, 0 when none yet
 * @param snapshotDone whether the initial snapshot has been read completely
 * @param partTxid     id of the transaction after {@code lsn} when its first {@code partChanges} changes are in
 *                     Kafka (a database transaction too long for one Kafka transaction, committed in parts); 0 if none
 * @param partChanges  how many changes of that transaction are in Kafka: a restart skips them
 * @param snapshots    the incremental snapshots signals asked for that are not done yet, as
 *                     {@link SnapshotSignals#pendingText} writes them; null when none
 */
public record CdcOffset(long lsn, long txid, boolean snapshotDone, long partTxid, int partChanges, String snapshots) {

    /** Version 2 added {@code snapshots}; version 1 offsets are read as having none. */
    static final int VERSION = 2;
    static final String SLOT_PARTITION_KEY = "slot";
    private static final String VERSION_KEY = "v";
    private static final String LSN_KEY = "lsn";
    private static final String TXID_KEY = "txid";
    private static final String SNAPSHOT_DONE_KEY = "snapshot_done";
    private static final String PART_TXID_KEY = "part_txid";
    private static final String PART_CHANGES_KEY = "part_changes";
    private static final String SNAPSHOTS_KEY = "snapshots";

    public CdcOffset(long lsn, long txid, boolean snapshotDone) {
        this(lsn, txid, snapshotDone, 0, 0);
    }

    public CdcOffset(long lsn, long txid, boolean snapshotDone, long partTxid, int partChanges) {
        this(lsn, txid, snapshotDone, partTxid, partChanges, null);
    }

    /** This position, with the signalled snapshots still to do (null: none). */
    CdcOffset withSnapshots(String pending) {
        return new CdcOffset(lsn, txid, snapshotDone, partTxid, partChanges, pending);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new HashMap<>();
        map.put(VERSION_KEY, VERSION);
        map.put(LSN_KEY, lsn);
        map.put(TXID_KEY, txid);
        map.put(SNAPSHOT_DONE_KEY, snapshotDone);
        if (partChanges > 0) {
            map.put(PART_TXID_KEY, partTxid);
            map.put(PART_CHANGES_KEY, partChanges);
        }
        if (snapshots != null) {
            map.put(SNAPSHOTS_KEY, snapshots);
        }
        return map;
    }

    /** The stored offset, or null when the connector has none yet. */
    public static CdcOffset fromMap(Map<String, ?> map) {
        if (map == null || map.isEmpty()) {
            return null;
        }
        Object version = map.get(VERSION_KEY);
        if (!(version instanceof Number n) || n.intValue() < 1 || n.intValue() > VERSION) {
            throw new ConnectException("CDC source offset has version " + version + ", this connector reads versions 1"
                    + " to " + VERSION + ": " + map);
        }
        Object snapshots = map.get(SNAPSHOTS_KEY);
        if (snapshots != null && !(snapshots instanceof String)) {
            throw new ConnectException("CDC source offset: \"" + SNAPSHOTS_KEY + "\" must be a string, got " + map);
        }
        CdcOffset offset = position(map);
        return snapshots == null ? offset : offset.withSnapshots((String) snapshots);
    }

    private static CdcOffset position(Map<String, ?> map) {
        if (!(map.get(LSN_KEY) instanceof Number lsn) || !(map.get(TXID_KEY) instanceof Number txid)
                || !(map.get(SNAPSHOT_DONE_KEY) instanceof Boolean done)) {
            throw new ConnectException("CDC source offset must be {\"v\":2, \"lsn\":<long>, \"txid\":<long>,"
                    + " \"snapshot_done\":<boolean>}, got " + map);
        }
        Object partTxid = map.get(PART_TXID_KEY);
        Object partChanges = map.get(PART_CHANGES_KEY);
        if (partTxid == null && partChanges == null) {
            return new CdcOffset(lsn.longValue(), txid.longValue(), done);
        }
        if (!(partTxid instanceof Number partTx) || !(partChanges instanceof Number changes)) {
            throw new ConnectException("CDC source offset: \"" + PART_TXID_KEY + "\" and \"" + PART_CHANGES_KEY
                    + "\" must both be numbers, got " + map);
        }
        return new CdcOffset(lsn.longValue(), txid.longValue(), done, partTx.longValue(), changes.intValue());
    }

    /**
     * Why {@code PATCH /connectors/{name}/offsets} may not store {@code offset} for {@code partition}, or null when
     * it may: the partition must be this connector's slot, or one table's incremental snapshot progress in it; null
     * resets (the slot's: with snapshot.mode=initial the next start reads the snapshot again on a new slot; a
     * table's: snapshot.mode=incremental reads the table again from its start).
     */
    public static String alterProblem(String slotName, Map<String, ?> partition, Map<String, ?> offset) {
        if (partition != null && partition.size() == 2 && slotName.equals(partition.get(SLOT_PARTITION_KEY))
                && partition.get(TableProgress.TABLE_PARTITION_KEY) instanceof String) {
            try {
                TableProgress.fromMap(offset);
                return null;
            } catch (ConnectException e) {
                return e.getMessage();
            }
        }
        if (partition == null || partition.size() != 1 || !slotName.equals(partition.get(SLOT_PARTITION_KEY))) {
            return "Source partition " + partition + " must be {\"" + SLOT_PARTITION_KEY + "\": \"" + slotName
                    + "\"} (the connector's " + CdcConfig.SLOT_NAME_CONFIG + "), or {\"" + SLOT_PARTITION_KEY
                    + "\": \"" + slotName + "\", \"" + TableProgress.TABLE_PARTITION_KEY + "\": \"<schema>.<table>\"}"
                    + " for a table's incremental snapshot progress";
        }
        if (offset == null) {
            return null;
        }
        try {
            CdcOffset parsed = fromMap(offset);
            if (parsed == null) {
                return "Offset " + offset + " must be {\"v\":2, \"lsn\":<long>, \"txid\":<long>, \"snapshot_done\":<boolean>}";
            }
            if (parsed.lsn() < 0 || parsed.txid() < 0) {
                return "Offset " + offset + ": lsn and txid must not be negative";
            }
            return parsed.partTxid() < 0 || parsed.partChanges() < 0
                    ? "Offset " + offset + ": part_txid and part_changes must not be negative" : null;
        } catch (ConnectException e) {
            return e.getMessage();
        }
    }

    public static Map<String, String> partition(String slotName) {
        return Map.of(SLOT_PARTITION_KEY, slotName);
    }

    /**
     * The partition of a table's incremental snapshot progress ({@link TableProgress}), its keys always in the same
     * order: Connect stores offsets under the partition's JSON bytes, so a map whose order changes from one JVM to the next (as {@code Map.of}'s does) would not find them.
     */
    public static Map<String, String> tablePartition(String slotName, TableId table) {
        Map<String, String> partition = new java.util.LinkedHashMap<>();
        partition.put(SLOT_PARTITION_KEY, slotName);
        partition.put(TableProgress.TABLE_PARTITION_KEY, table.toString());
        return java.util.Collections.unmodifiableMap(partition);
    }
}
