package io.tablestream.source.cdc;

import io.tablestream.jdbc.Json;
import io.tablestream.jdbc.TableId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignalPayloadTest {

    @Test
    void readsDebeziumsExecuteSnapshotPayload() {
        Object payload = Json.parse("{\"data-collections\": [\"public.a\", \"s.\\\"B\\\"\"], \"type\": \"incremental\","
                + " \"additional-conditions\": [{\"data-collection\": \"public.a\", \"filter\": \"id > 5 AND v = 'x'\"}],"
                + " \"n\": -1.5e2, \"on\": true, \"off\": null}");
        assertEquals(Map.of("data-collections", List.of("public.a", "s.\"B\""), "type", "incremental",
                "additional-conditions", List.of(Map.of("data-collection", "public.a", "filter", "id > 5 AND v = 'x'")),
                "n", -150.0, "on", true), withoutNulls((Map<?, ?>) payload));
        assertTrue(((Map<?, ?>) payload).containsKey("off"));
    }

    private static Map<?, ?> withoutNulls(Map<?, ?> map) {
        Map<Object, Object> copy = new java.util.HashMap<>(map);
        copy.values().removeIf(java.util.Objects::isNull);
        return copy;
    }

    @Test
    void saysWhereTextIsNotJson() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
        assertTrue(e.getMessage().startsWith("not JSON at character 7: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("not json"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2"));
    }

    @Test
    void pendingSignalledWorkReadsBackFromTheOffsetText() {
        String text = "{\"paused\":true,\"tables\":[" + Json.write(List.of("public.a", "sig-1", "id > 5")) + ","
                + Json.write(List.of("s.b", "sig-2", "")) + "],\"done\":[\"public.empty\"]}";
        IncrementalSnapshot.Pending pending = IncrementalSnapshot.Pending.parse(text);
        assertEquals(true, pending.paused());
        assertEquals(List.of(new IncrementalSnapshot.Work(new TableId("public", "a"), "id > 5", "sig-1"),
                new IncrementalSnapshot.Work(new TableId("s", "b"), null, "sig-2")), pending.work());
        java.util.Map<TableId, Long> unknownOid = new java.util.HashMap<>();
        unknownOid.put(new TableId("public", "empty"), null); // written before the oid was stored
        assertEquals(unknownOid, pending.readWithoutRecord());
        assertEquals(IncrementalSnapshot.Pending.NONE, IncrementalSnapshot.Pending.parse(null));

        // Each table read without a record keeps the oid of the table read: one created again is another table.
        IncrementalSnapshot.Pending withOids = IncrementalSnapshot.Pending.parse(
                "{\"paused\":false,\"tables\":[],\"done\":[\"public.empty\",\"s.gone\"],\"doneOids\":[16385,null]}");
        java.util.Map<TableId, Long> expected = new java.util.HashMap<>();
        expected.put(new TableId("public", "empty"), 16_385L);
        expected.put(new TableId("s", "gone"), null);
        assertEquals(expected, withOids.readWithoutRecord());
    }
}
