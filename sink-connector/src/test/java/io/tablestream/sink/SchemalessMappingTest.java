package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemalessMappingTest {

    private static final TableId TABLE = TableId.parse("inventory");
    private static final Map<String, String> TABLE_COLUMNS = new LinkedHashMap<>();

    static {
        TABLE_COLUMNS.put("sku", "text");
        TABLE_COLUMNS.put("qty", "integer");
        TABLE_COLUMNS.put("tags", "text[]");
        TABLE_COLUMNS.put("attrs", "jsonb");
    }

    @Test
    void columnsFollowTheTableOrderAndValuesBindAsTextForTheColumnType() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("attrs", Map.of("k", List.of(1, 2)));
        value.put("tags", Arrays.asList("a\"b", null, "c,d"));
        value.put("qty", 5L);
        SinkRecord record = TestRecords.record("inventory", 0, 9, null, Map.of("sku", "a-1"), null, value);
        PostgresSinkConfig config = TestRecords.config("pk.mode", "record_key");

        List<SinkColumn> columns = SchemalessMapping.columns(config, TABLE, TABLE_COLUMNS, record, false);

        assertEquals(List.of("sku", "qty", "tags", "attrs"), columns.stream().map(SinkColumn::name).toList());
        assertEquals(List.of("a-1", "5", "{\"a\\\"b\",NULL,\"c,d\"}", "{\"k\":[1,2]}"),
                columns.stream().map(c -> c.type().toText(c.source().apply(record))).toList());
        assertTrue(columns.get(0).primaryKey());
    }

    @Test
    void anEntryWithoutAColumnIsNamedWithTheTablesColumns() {
        SinkRecord record = TestRecords.record("inventory", 0, 9, null, null, null, Map.of("sku", "a", "colour", "red"));

        ConnectException e = assertThrows(ConnectException.class, () -> SchemalessMapping.columns(
                TestRecords.config(), TABLE, TABLE_COLUMNS, record, false));

        assertTrue(e.getMessage().contains("[colour]") && e.getMessage().contains("public.inventory")
                && e.getMessage().contains("[sku, qty, tags, attrs]"), e.getMessage());
    }
}
