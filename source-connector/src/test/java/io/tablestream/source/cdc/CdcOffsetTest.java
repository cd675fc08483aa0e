package io.tablestream.source.cdc;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CdcOffsetTest {

    @Test
    void roundTripsThroughTheOffsetMap() {
        CdcOffset offset = new CdcOffset(0x16B3748L, 731L, true);
        assertEquals(offset, CdcOffset.fromMap(offset.toMap()));
        assertNull(CdcOffset.fromMap(null));
        CdcOffset part = new CdcOffset(0x16B3748L, 731L, true, 732L, 5000);
        assertEquals(part, CdcOffset.fromMap(part.toMap()));
        assertEquals(false, offset.toMap().containsKey("part_changes"), "no part keys unless a part is in Kafka");
        CdcOffset pending = offset.withSnapshots("{\"paused\":false,\"tables\":[]}");
        assertEquals(pending, CdcOffset.fromMap(pending.toMap()));
        assertEquals(false, offset.toMap().containsKey("snapshots"));
    }

    @Test
    void readsVersionOneOffsetsAsHavingNoSignalledSnapshots() {
        assertEquals(new CdcOffset(1L, 2L, true), CdcOffset.fromMap(Map.of("v", 1, "lsn", 1L, "txid", 2L,
                "snapshot_done", true)));
    }

    @Test
    void rejectsAPartWithoutItsTransaction() {
        ConnectException e = assertThrows(ConnectException.class, () -> CdcOffset.fromMap(
                Map.of("v", 1, "lsn", 1L, "txid", 1L, "snapshot_done", true, "part_changes", 3)));
        assertEquals(true, e.getMessage().contains("part_txid"));
    }

    @Test
    void rejectsOtherVersionsAndShapes() {
        assertThrows(ConnectException.class, () -> CdcOffset.fromMap(Map.of("v", 3, "lsn", 1L, "txid", 1L, "snapshot_done", true)));
        ConnectException e = assertThrows(ConnectException.class, () -> CdcOffset.fromMap(Map.of("v", 1, "lsn", "x")));
        assertEquals(true, e.getMessage().contains("snapshot_done"));
    }

    @Test
    void alteringAcceptsTheSlotPartitionWithAValidOffsetOrNull() {
        Map<String, String> slot = Map.of("slot", "shop_cdc");
        assertNull(CdcOffset.alterProblem("shop_cdc", slot, new CdcOffset(0x16B3748L, 0, true).toMap()));
        assertNull(CdcOffset.alterProblem("shop_cdc", slot, null));
        assertEquals(true, CdcOffset.alterProblem("shop_cdc", Map.of("slot", "other"), null)
                .startsWith("Source partition {slot=other} must be {\"slot\": \"shop_cdc\"} (the connector's slot.name)"));
        assertEquals(true, CdcOffset.alterProblem("shop_cdc", Map.of("table", "public.orders"), null) != null);
        assertEquals(true, CdcOffset.alterProblem("shop_cdc", slot, Map.of("v", 1, "lsn", "0/16B3748")).contains("lsn"));
        assertEquals(true, CdcOffset.alterProblem("shop_cdc", slot, Map.of()).contains("snapshot_done"));
        assertEquals("Offset {v=1, lsn=-1, txid=0, snapshot_done=true}: lsn and txid must not be negative",
                CdcOffset.alterProblem("shop_cdc", slot, orderedOffset(-1)));
    }

    @Test
    void alteringAcceptsATablesSnapshotProgressInTheSlot() {
        Map<String, String> table = CdcOffset.tablePartition("shop_cdc", new io.tablestream.jdbc.TableId("public", "orders"));
        assertNull(CdcOffset.alterProblem("shop_cdc", table, null), "reset: read the table again");
        assertNull(CdcOffset.alterProblem("shop_cdc", table, new TableProgress(List.of("42"), false).toMap()));
        assertEquals(true, CdcOffset.alterProblem("shop_cdc", table, Map.of("v", 1, "after", 42, "done", false))
                .contains("\"after\":\"[<key column text"));
        assertEquals(true, CdcOffset.alterProblem("other", table, null) != null, "another slot's table");
    }

    @Test
    void aTablesPartitionListsItsKeysInOneOrderInEveryJvm() {
        // Connect finds offsets by the partition's JSON bytes: the order of its keys must never change.
        assertEquals(List.of("slot", "table"), List.copyOf(CdcOffset.tablePartition("s",
                new io.tablestream.jdbc.TableId("public", "orders")).keySet()));
    }

    @Test
    void tableProgressRoundTrips() {
        TableProgress progress = new TableProgress(List.of("7", "b"), true);
        assertEquals(progress, TableProgress.fromMap(progress.toMap()));
        assertEquals(TableProgress.START, TableProgress.fromMap(TableProgress.START.toMap()));
        assertNull(TableProgress.fromMap(Map.of()));
    }

    @Test
    void tableProgressKeepsTheTablesOidAndReadsOffsetsWithoutOne() {
        TableProgress progress = new TableProgress(List.of("7"), false, "sig-1", 16_384L);
        assertEquals(16_384L, progress.toMap().get("oid"));
        assertEquals(progress, TableProgress.fromMap(progress.toMap()));
        // Connect's JSON gives whole numbers back as Long, or Integer from a map built by hand.
        assertEquals(16_385L, TableProgress.fromMap(Map.of("v", 1, "done", true, "oid", 16_385)).oid());
        assertEquals(progress.ofTable(99L), TableProgress.fromMap(progress.ofTable(99L).toMap()));
        assertEquals(false, progress.ofTable(null).toMap().containsKey("oid"));
        assertNull(TableProgress.fromMap(Map.of("v", 1, "done", true)).oid(), "written before the oid was stored");
        assertEquals(true, org.junit.jupiter.api.Assertions.assertThrows(
                org.apache.kafka.connect.errors.ConnectException.class,
                () -> TableProgress.fromMap(Map.of("v", 1, "done", true, "oid", "16384"))).getMessage()
                .contains("\"oid\":<the table's pg_class oid> (optional)"));
        assertEquals(false, TableProgress.fromMap(Map.of("v", 1, "done", true, "oid", 7L)).inRun("sig-2").oid() == null,
                "a run keeps the table's oid");
    }

    private static Map<String, Object> orderedOffset(long lsn) {
        Map<String, Object> offset = new java.util.LinkedHashMap<>();
        offset.put("v", 1);
        offset.put("lsn", lsn);
        offset.put("txid", 0L);
        offset.put("snapshot_done", true);
        return offset;
    }
}
