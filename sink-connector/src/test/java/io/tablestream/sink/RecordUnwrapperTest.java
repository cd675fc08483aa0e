package io.tablestream.sink;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordUnwrapperTest {

    private final RecordUnwrapper unwrapper = new RecordUnwrapper(true);

    @Test
    void aRecordWithoutKeyAndValueLikeTheCdcTruncateIsSkipped() {
        assertNull(unwrapper.unwrap(new SinkRecord("shop.orders", 0, null, null, null, null, 7)));
    }

    @Test
    void aTombstoneWithAKeyIsStillADelete() {
        Schema keySchema = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        Struct key = new Struct(keySchema).put("id", 3);
        SinkOp op = unwrapper.unwrap(new SinkRecord("shop.orders", 0, keySchema, key, null, null, 8));
        assertTrue(op.delete());
        assertEquals(key, op.row().key());
    }

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
            .field("v", Schema.OPTIONAL_STRING_SCHEMA).field("__deleted", Schema.OPTIONAL_STRING_SCHEMA).build();

    @Test
    void debeziumsLogicalDecodingMessageEventIsSkippedAndAMessageFieldOfARowIsNot() {
        Schema block = SchemaBuilder.struct().field("prefix", Schema.OPTIONAL_STRING_SCHEMA)
                .field("content", Schema.OPTIONAL_BYTES_SCHEMA).build();
        Schema event = SchemaBuilder.struct().name("io.debezium.connector.postgresql.MessageValue")
                .field("op", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("message", block).build();
        Struct message = new Struct(block).put("prefix", "audit").put("content", new byte[] {1});
        assertNull(unwrapper.unwrap(new SinkRecord("dbz.message", 0, null, null, event,
                new Struct(event).put("op", "m").put("message", message), 3)));
        SinkOp row = unwrapper.unwrap(new SinkRecord("chat", 0, null, null, event,
                new Struct(event).put("op", "posted").put("message", message), 4));
        assertFalse(row.delete(), "a table with columns op and message is written as rows");
    }

    @Test
    void aFlatDeleteRecordWithTheKeyAsValueIsADeleteOrSkipped() {
        SinkRecord record = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), KEY,
                new Struct(KEY).put("id", 1), 9);
        record.headers().addString("op", "d");
        assertTrue(unwrapper.unwrap(record).delete());
        assertNull(new RecordUnwrapper(false).unwrap(record));
    }

    @Test
    void aRowRewrittenWithDeletedTrueIsADeleteOrSkippedAndFalseIsARow() {
        SinkRecord deleted = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), ROW,
                new Struct(ROW).put("id", 1).put("__deleted", "true"), 9);
        assertTrue(unwrapper.unwrap(deleted).delete());
        assertNull(new RecordUnwrapper(false).unwrap(deleted));
        SinkRecord kept = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), ROW,
                new Struct(ROW).put("id", 1).put("v", "x").put("__deleted", "false"), 10);
        assertFalse(unwrapper.unwrap(kept).delete());
        assertEquals(List.of("id", "v"), ColumnMapping.columns(PkMode.RECORD_KEY, List.of(), List.of(), kept, false)
                .stream().map(SinkColumn::name).toList(), "__deleted is no column");
    }

    @Test
    void theUnavailableColumnsHeaderIsReadAsTextOrAsTheArrayTheHeaderConverterMadeOfIt() {
        SinkRecord text = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), ROW,
                new Struct(ROW).put("id", 1), 9);
        text.headers().addString("unavailable.columns", "[\"v\", \"w\"]");
        assertEquals(Set.of("v", "w"), unwrapper.unwrap(text).unavailableColumns());
        SinkRecord quoted = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), ROW,
                new Struct(ROW).put("id", 1), 10);
        quoted.headers().addString("unavailable.columns", "[\"say \\\"hi\\\"\"]"); // as the source escapes it
        assertEquals(Set.of("say \"hi\""), unwrapper.unwrap(quoted).unavailableColumns());
        SinkRecord parsed = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), ROW,
                new Struct(ROW).put("id", 1), 9);
        parsed.headers().add("unavailable.columns", new SchemaAndValue(SchemaBuilder.array(Schema.STRING_SCHEMA)
                .build(), List.of("v")));
        assertEquals(Set.of("v"), unwrapper.unwrap(parsed).unavailableColumns());
        SinkRecord bad = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), ROW,
                new Struct(ROW).put("id", 1), 9);
        bad.headers().addString("unavailable.columns", "v");
        assertTrue(assertThrows(ConnectException.class, () -> unwrapper.unwrap(bad)).getMessage()
                .contains("unavailable.columns"));
    }

    @Test
    void fieldsHoldingDebeziumsPlaceholderAreUnavailableBesideTheHeadersColumns() {
        Schema row = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("a", Schema.OPTIONAL_STRING_SCHEMA)
                .field("b", Schema.OPTIONAL_BYTES_SCHEMA)
                .field("c", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
                .field("d", Schema.OPTIONAL_STRING_SCHEMA).build();
        String placeholder = "__debezium_unavailable_value";
        SinkRecord record = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), row, new Struct(row).put("id", 1)
                .put("a", placeholder).put("b", placeholder.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("c", List.of(placeholder)).put("d", "x"), 9);
        record.headers().addString("unavailable.columns", "[\"d\"]");
        assertEquals(Set.of("a", "b", "c", "d"), new RecordUnwrapper(true, placeholder).unwrap(record)
                .unavailableColumns());
        assertEquals(Set.of("d"), new RecordUnwrapper(true, "").unwrap(record).unavailableColumns());
    }

    @Test
    void debeziumTransactionBoundariesAreSkippedWithASchemaOrWithout() {
        Schema tx = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
                .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
                .field("data_collections", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build()).build();
        assertNull(unwrapper.unwrap(new SinkRecord("p.transaction", 0, null, null, tx,
                new Struct(tx).put("status", "BEGIN").put("id", "1:2"), 0)));
        java.util.Map<String, Object> end = new java.util.HashMap<>();
        end.put("status", "END");
        end.put("id", "1:2");
        end.put("data_collections", List.of());
        assertNull(unwrapper.unwrap(new SinkRecord("p.transaction", 0, null, null, null, end, 1)));
        Schema order = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
                .build();
        assertTrue(unwrapper.unwrap(new SinkRecord("orders", 0, null, null, order,
                new Struct(order).put("status", "BEGIN").put("id", "7"), 0)) != null, "a row of its own fields");
    }
}
