package io.tablestream.source;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    @Test
    void alteredOffsetsMustFitTheMode() {
        Map<String, String> partition = Map.of("table", "public.orders");
        assertNull(TableOffset.alterProblem(Mode.INCREMENTING, partition, Map.of("v", 1, "inc", 5)));
        assertNull(TableOffset.alterProblem(Mode.TIMESTAMP_INCREMENTING, partition, Map.of("v", 1, "inc", 5, "ts_us", 7)));
        assertNull(TableOffset.alterProblem(Mode.TIMESTAMP, partition, null), "null resets");
        assertTrue(TableOffset.alterProblem(Mode.INCREMENTING, partition, Map.of("v", 1, "ts_us", 5)).contains("\"inc\""));
        assertTrue(TableOffset.alterProblem(Mode.INCREMENTING, Map.of("tbl", "x"), null).contains("{\"table\""));
        assertTrue(TableOffset.alterProblem(Mode.BULK, partition, Map.of("v", 1)).contains("keeps no offsets"));
        assertNull(TableOffset.alterProblem(Mode.QUERY, Map.of("query", "topic"), null));
    }

    /** Hand-written offsets that would silently mean something else are refused, saying what they would mean. */
    @Test
    void alteredOffsetsThatWouldMeanSomethingElseAreRefused() {
        Map<String, String> partition = Map.of("table", "public.orders");
        String nanos = TableOffset.alterProblem(Mode.TIMESTAMP, partition, Map.of("v", 1, "ts_us", 1_700_000_000_123_456_789L));
        assertTrue(nanos.contains("in the future") && nanos.contains("microseconds since 1970"), nanos);
        assertNull(TableOffset.alterProblem(Mode.TIMESTAMP, partition, Map.of("v", 1, "ts_us", 1_700_000_000_123_456L)));
        assertNull(TableOffset.alterProblem(Mode.TIMESTAMP, partition, Map.of("v", 1, "ts_us", Long.MIN_VALUE)));
        assertTrue(TableOffset.alterProblem(Mode.INCREMENTING, partition, Map.of("v", 1, "inc", 6.5)).contains("whole number"));
        assertNull(TableOffset.alterProblem(Mode.INCREMENTING, partition, Map.of("v", 1, "inc", 6.0)));
        assertTrue(TableOffset.alterProblem(Mode.INCREMENTING, partition, Map.of("v", 1, "inc", 1e30)).contains("whole number"));
        assertTrue(TableOffset.alterProblem(Mode.INCREMENTING, Map.of("table", "orders"), Map.of("v", 1, "inc", 6))
                .contains("{\"table\": \"public.orders\"}"));
    }

    @Test
    void aCustomQueryWithAnIncrementalModeKeepsOffsetsUnderItsTopic() {
        Map<String, String> partition = Map.of("query", "orders_report");
        assertNull(TableOffset.alterProblem(Mode.INCREMENTING, true, partition, Map.of("v", 1, "inc", 5)));
        assertTrue(TableOffset.alterProblem(Mode.INCREMENTING, true, Map.of("table", "public.orders"), null)
                .contains("{\"query\""));
        assertTrue(TableOffset.alterProblem(Mode.TIMESTAMP, true, partition, Map.of("v", 1, "inc", 5))
                .contains("\"ts_us\""));
    }
}
