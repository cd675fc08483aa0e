package io.tablestream.source;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableOffsetTest {

    @Test
    void roundTripsThroughTheStoredMap() {
        TableOffset offset = new TableOffset(42L, 1_700_000_000_123_456L);
        assertEquals(Map.of("v", 1, "inc", 42L, "ts_us", 1_700_000_000_123_456L), offset.toMap());
        assertEquals(offset, TableOffset.fromMap(offset.toMap()));
    }

    @Test
    void readsNumbersOfAnyWidthAsConnectsJsonStoreReturnsThem() {
        assertEquals(new TableOffset(7L, null), TableOffset.fromMap(Map.of("v", 1L, "inc", 7)));
    }

    @Test
    void nothingStoredMeansStart() {
        assertTrue(TableOffset.fromMap(null).isStart());
    }

    @Test
    void rejectsUnknownVersionsAndNonNumbersWithTheExpectedShape() {
        ConnectException version = assertThrows(ConnectException.class, () -> TableOffset.fromMap(Map.of("v", 9)));
        assertTrue(version.getMessage().contains("\"inc\""), version.getMessage());
        ConnectException notNumber = assertThrows(ConnectException.class,
                () -> TableOffset.fromMap(Map.of("v", 1, "inc", "abc")));
        assertTrue(notNumber.getMessage().contains("'inc'"), notNumber.getMessage());
    }
}
