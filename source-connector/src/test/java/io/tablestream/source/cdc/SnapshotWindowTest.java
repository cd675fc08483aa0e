package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.jdbc.types.PgTypeOptions;
import io.tablestream.source.TableSchema;
import io.tablestream.source.cdc.SnapshotWindow.PgSnapshot;
import io.tablestream.source.cdc.SnapshotWindow.StreamedChange;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotWindowTest {

    private static final TableSchema ITEMS;
    private static final String TOPIC = "shop.items";
    private static final RecordFormat FLAT = new RecordFormat(false, DeleteHandlingMode.TOMBSTONE, true);
    private static final RecordFormat DEBEZIUM = new RecordFormat(true, DeleteHandlingMode.TOMBSTONE, true);

    static {
        PgTypeCatalog types = PgTypeCatalog.of(PgTypeOptions.DEFAULTS);
        List<ColumnReader> readers = List.of(
                types.readerFor(new PgColumn("id", "int4", -1, true)),
                types.readerFor(new PgColumn("v", "text", -1, false)),
                types.readerFor(new PgColumn("big", "text", -1, false)));
        ITEMS = TableSchema.of(new TableId("shop", "items"), readers, List.of("id"));
    }

    /** The pg_class oid of the table the chunk was read from. */
    private static final long TABLE_OID = 16_400;

    /** xmin 100, xmax 105, 102 in progress: 99 and 101 visible; 102, 105 and later not. */
    private static final PgSnapshot SNAPSHOT = PgSnapshot.parse("100:105:102");

    private static ChangeEvent row(char op, int id, String v, String big, long xid) {
        Struct value = new Struct(ITEMS.valueSchema()).put("id", id).put("v", v).put("big", big);
        return new ChangeEvent(ITEMS, TOPIC, op, ITEMS.key(value), null, op == 'd' ? null : value, 0x5000, xid, 1L);
    }

    private static StreamedChange streamed(ChangeEvent event, RecordFormat format) {
        return StreamedChange.of(event.toRecords(Map.of("slot", "s"), Map.of(), format).get(0));
    }

    private static SnapshotWindow window(List<StreamedChange> seenBefore) {
        return new SnapshotWindow(TOPIC, TABLE_OID, SNAPSHOT, 0x5000, List.of(row('r', 1, "a", "A", 0), row('r', 2, "b", "B", 0),
                row('r', 3, "c", "C", 0)), seenBefore);
    }

    private static List<Integer> ids(SnapshotWindow window) {
        return window.rows().stream().map(e -> (Integer) e.key().get("id")).toList();
    }

    @Test
    void visibilityFollowsPgVisibleInSnapshot() {
        assertTrue(SNAPSHOT.visible(99));
        assertTrue(SNAPSHOT.visible(101));
        assertTrue(SNAPSHOT.visible(104));
        assertFalse(SNAPSHOT.visible(102), "in progress");
        assertFalse(SNAPSHOT.visible(105), "xmax");
        assertFalse(SNAPSHOT.visible(200));
        assertEquals(Set.of(), PgSnapshot.parse("7:7:").inProgress());
    }

    @Test
    void thirtyTwoBitIdsAfterAWraparoundAreJudgedInTheSnapshotsEpoch() {
        long epoch = 1L << 32;
        PgSnapshot snapshot = PgSnapshot.parse((epoch + 10) + ":" + (epoch + 20) + ":" + (epoch + 15));
        assertTrue(snapshot.visible(5), "epoch + 5, below xmin");
        assertFalse(snapshot.visible(15), "epoch + 15, in progress");
        assertFalse(snapshot.visible(25), "epoch + 25, at or after xmax");
        assertTrue(snapshot.visible(4_294_967_290L), "the previous epoch's end");
    }

    @Test
    void aChangeNotVisibleInTheChunksSnapshotDropsItsKeyWhateverItIs() {
        SnapshotWindow window = window(List.of());
        window.observe(streamed(row('u', 1, "a2", "A", 102), FLAT));
        window.observe(streamed(row('d', 3, null, null, 300), FLAT));
        window.observe(streamed(row('c', 9, "new", "N", 300), FLAT)); // not in the chunk: nothing to drop
        assertEquals(List.of(2), ids(window));
        assertEquals(2, window.dropped());
    }

    @Test
    void aChangeAnotherTableOfTheSameNameWroteBeforeTheReadLeavesTheChunksRowsAlone() {
        // The table was dropped and created again under its name: the old one's changes, streamed late, share the
        // topic and the keys, but not the table, and were written before the chunk was read.
        SnapshotWindow window = window(List.of(streamedFrom(TABLE_OID - 1, row('u', 1, "old", "A", 101))));
        window.observe(streamedFrom(TABLE_OID - 1, row('d', 2, null, null, 99)));
        window.observe(streamedFrom(TABLE_OID - 1, new ChangeEvent(ITEMS, TOPIC, 't', null, null, null, 0, 50, 1L)));
        assertEquals(List.of(1, 2, 3), ids(window));
        window.observe(streamedFrom(TABLE_OID, row('d', 3, null, null, 300)));
        assertEquals(List.of(1, 2), ids(window), "the table's own change still wins");
    }

    @Test
    void aChangeAnotherTableOfTheSameNameWroteAfterTheReadIsTheLastWordForItsKey() {
        // The chunk's table was dropped (or renamed away) right after the read and another took its name: the new
        // table's rows, streamed while the chunk waits, must not be followed by the old table's rows.
        SnapshotWindow window = window(List.of(streamedFrom(TABLE_OID + 1, row('c', 1, "new", "N", 300))));
        window.observe(streamedFrom(TABLE_OID + 1, row('c', 2, "new", "N", 301)));
        assertEquals(List.of(3), ids(window));
        window.observe(streamedFrom(TABLE_OID + 1, new ChangeEvent(ITEMS, TOPIC, 't', null, null, null, 0, 302, 1L)));
        assertEquals(List.of(), ids(window));
    }

    private static StreamedChange streamedFrom(long relationOid, ChangeEvent event) {
        ChangeEvent written = new ChangeEvent(event.schema(), event.topic(), event.op(), event.key(), event.before(),
                event.after(), event.lsn(), event.txid(), event.commitTimeMs(), List.of(), relationOid);
        return streamed(written, FLAT);
    }

    @Test
    void aChangeVisibleInTheChunksSnapshotIsInKafkaAlreadySoTheChunkDoesNotRepeatIt() {
        SnapshotWindow window = window(List.of());
        window.observe(streamed(row('u', 1, "a2", "A", 101), FLAT));
        window.observe(streamed(row('c', 2, "b", "B", 99), FLAT));
        assertEquals(List.of(3), ids(window));
    }

    @Test
    void aVisibleUpdateWithoutItsLargeValueKeepsTheChunksCompleteRow() {
        SnapshotWindow window = window(List.of());
        Struct partial = new Struct(ITEMS.valueSchema()).put("id", 2).put("v", "b");
        window.observe(streamed(new ChangeEvent(ITEMS, TOPIC, 'u', ITEMS.key(partial), null, partial, 0x4000, 101, 1L,
                List.of("big"), 0), FLAT));
        assertEquals(List.of(1, 2, 3), ids(window));
        assertEquals("B", window.rows().get(1).after().get("big"));
    }

    @Test
    void changesStreamedBeforeTheChunkWasReadAreJudgedOnceItsSnapshotIsKnown() {
        SnapshotWindow window = window(List.of(streamed(row('u', 2, "b2", "B", 102), DEBEZIUM),
                streamed(row('u', 3, "c2", "C", 101), DEBEZIUM)));
        assertEquals(List.of(1), ids(window));
    }

    @Test
    void otherTablesAndTombstonesDropNothing() {
        SnapshotWindow window = window(List.of());
        ChangeEvent other = new ChangeEvent(ITEMS, "shop.other", 'd', row('d', 1, null, null, 300).key(), null, null,
                0, 300, 1L);
        window.observe(streamed(row('c', 9, "x", "X", 99), FLAT)); // a key the chunk does not hold
        window.observe(streamed(other, FLAT));
        List<SourceRecord> deleteRecords = row('d', 1, null, null, 300).toRecords(Map.of(), Map.of(), DEBEZIUM);
        assertNull(StreamedChange.of(deleteRecords.get(1)), "the tombstone after a delete");
        assertEquals(List.of(1, 2, 3), ids(window));
    }

    @Test
    void aTruncateEmptiesTheChunk() {
        SnapshotWindow window = window(List.of());
        window.observe(streamed(new ChangeEvent(ITEMS, TOPIC, 't', null, null, null, 0, 300, 1L), FLAT));
        assertEquals(List.of(), window.rows());
    }

    @Test
    void anUpdateWithoutItsUnchangedLargeValueKeepsTheChunksValueOfIt() {
        SnapshotWindow window = window(List.of());
        Struct partial = new Struct(ITEMS.valueSchema()).put("id", 2).put("v", "b2");
        ChangeEvent update = new ChangeEvent(ITEMS, TOPIC, 'u', ITEMS.key(partial), null, partial, 0x6000, 300, 1L,
                List.of("big"), 0);
        window.observe(streamed(update, FLAT));
        Struct merged = window.rows().get(1).after();
        assertEquals(List.of(2, "b2", "B"), List.of(merged.get("id"), merged.get("v"), merged.get("big")));
    }

    @Test
    void theChunkWaitsUntilTheStreamHasPassedItsHighWatermark() {
        SnapshotWindow window = window(List.of());
        assertFalse(window.passedBy(0x4FFF));
        assertTrue(window.passedBy(0x5000));
    }

    @Test
    void unavailableColumnsHeaderReadsBack() {
        List<String> columns = List.of("big", "we\"ird\\name", "tab\tname");
        assertEquals(columns, UnavailableValues.columnsOf(UnavailableValues.headerValue(columns)));
    }
}
