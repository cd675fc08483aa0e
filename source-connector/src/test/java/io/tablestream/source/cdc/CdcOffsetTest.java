package io.tablestream.source.cdc;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

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
    }

    @Test
    void rejectsOtherVersionsAndShapes() {
        assertThrows(ConnectException.class, () -> CdcOffset.fromMap(Map.of("v", 2, "lsn", 1L, "txid", 1L, "snapshot_done", true)));
        ConnectException e = assertThrows(ConnectException.class, () -> CdcOffset.fromMap(Map.of("v", 1, "lsn", "x")));
        assertEquals(true, e.getMessage().contains("snapshot_done"));
    }
}
