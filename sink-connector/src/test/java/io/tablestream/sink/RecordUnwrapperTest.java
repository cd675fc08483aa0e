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
        Schema collection = SchemaBuilder.struct().field("data_collection", Schema.STRING_SCHEMA)
                .field("event_count", Schema.INT64_SCHEMA).build();
        Schema tx = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
                .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
                .field("data_collections", SchemaBuilder.array(collection).optional().build()).build();
        assertNull(unwrapper.unwrap(new SinkRecord("p.transaction", 0, null, null, tx,
                new Struct(tx).put("status", "BEGIN").put("id", "1:2"), 0)));
        java.util.Map<String, Object> end = new java.util.HashMap<>();
        end.put("status", "END");
        end.put("id", "1:2");
        end.put("event_count", 2L);
        end.put("data_collections", List.of(java.util.Map.of("data_collection", "public.a", "event_count", 2L)));
        assertNull(unwrapper.unwrap(new SinkRecord("p.transaction", 0, null, null, null, end, 1)));
        Schema order = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA).field("id", Schema.STRING_SCHEMA)
                .build();
        assertTrue(unwrapper.unwrap(new SinkRecord("orders", 0, null, null, order,
                new Struct(order).put("status", "BEGIN").put("id", "7"), 0)) != null, "a row of its own fields");
    }

    private static final String PLACEHOLDER = "__debezium_unavailable_value";

    private static Struct envelope(Schema row, Struct after, String op) {
        Schema schema = SchemaBuilder.struct().field("before", SchemaBuilder.struct().optional().build())
                .field("after", row).field("op", Schema.STRING_SCHEMA).build();
        return new Struct(schema).put("after", after).put("op", op);
    }

    @Test
    void thePlaceholderIsUnavailableOnlyInUpdatesWhenTheOperationIsKnown() {
        Schema row = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("a", Schema.OPTIONAL_STRING_SCHEMA)
                .optional().build();
        Struct after = new Struct(row).put("id", 1).put("a", PLACEHOLDER);
        RecordUnwrapper debezium = new RecordUnwrapper(true, PLACEHOLDER);
        for (String op : List.of("c", "r")) {
            Struct value = envelope(row, after, op);
            assertEquals(Set.of(), debezium.unwrap(new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1),
                    value.schema(), value, 1)).unavailableColumns(), op);
        }
        Struct update = envelope(row, after, "u");
        assertEquals(Set.of("a"), debezium.unwrap(new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1),
                update.schema(), update, 1)).unavailableColumns());
        SinkRecord flatCreate = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), row, after, 2);
        flatCreate.headers().addString("__op", "c");
        assertEquals(Set.of(), debezium.unwrap(flatCreate).unavailableColumns());
        Schema withOp = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("a", Schema.OPTIONAL_STRING_SCHEMA).field("__op", Schema.STRING_SCHEMA).build();
        assertEquals(Set.of(), debezium.unwrap(new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), withOp,
                new Struct(withOp).put("id", 1).put("a", PLACEHOLDER).put("__op", "r"), 3)).unavailableColumns());
        assertEquals(Set.of("a"), debezium.unwrap(new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), withOp,
                new Struct(withOp).put("id", 1).put("a", PLACEHOLDER).put("__op", "u"), 3)).unavailableColumns());
        assertEquals(Set.of("a"), debezium.unwrap(new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), row,
                after, 4)).unavailableColumns(), "no operation named: scanned");
    }

    @Test
    void theCreateOfAnUpdateThatChangedTheKeyMayHoldThePlaceholder() {
        Schema row = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("a", Schema.OPTIONAL_STRING_SCHEMA)
                .optional().build();
        Struct after = new Struct(row).put("id", 2).put("a", PLACEHOLDER);
        Struct create = envelope(row, after, "c");
        SinkRecord record = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 2), create.schema(), create, 1);
        record.headers().add("__debezium.oldkey", new Struct(KEY).put("id", 1), KEY);
        assertEquals(Set.of("a"), new RecordUnwrapper(true, PLACEHOLDER).unwrap(record).unavailableColumns());
    }

    @Test
    void anOperationHeaderIsReadWhateverTheHeaderConverterMadeOfIt() {
        Schema row = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("a", Schema.OPTIONAL_STRING_SCHEMA)
                .optional().build();
        Struct value = new Struct(row).put("id", 1).put("a", PLACEHOLDER);
        RecordUnwrapper debezium = new RecordUnwrapper(true, PLACEHOLDER);
        SinkRecord bytesCreate = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), row, value, 1);
        bytesCreate.headers().addBytes("__op", "c".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(Set.of(), debezium.unwrap(bytesCreate).unavailableColumns());
        SinkRecord unknown = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), row, value, 2);
        unknown.headers().addString("__op", "insert");
        assertEquals(Set.of("a"), debezium.unwrap(unknown).unavailableColumns(), "an operation it does not know: scanned");
        SinkRecord bytesDelete = new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 1), row, value, 3);
        bytesDelete.headers().addBytes("op", "d".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(debezium.unwrap(bytesDelete).delete());
    }

    @Test
    void everyFormOfDebeziumsPlaceholderIsRecognised() {
        byte[] bytes = PLACEHOLDER.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Integer> ints = new java.util.ArrayList<>();
        List<Long> longs = new java.util.ArrayList<>();
        for (byte b : bytes) {
            ints.add((int) b);
            longs.add((long) b);
        }
        Schema geometry = SchemaBuilder.struct().name("io.debezium.data.geometry.Geometry").optional()
                .field("wkb", Schema.BYTES_SCHEMA).field("srid", Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema point = SchemaBuilder.struct().name("io.debezium.data.geometry.Point").optional()
                .field("x", Schema.FLOAT64_SCHEMA).field("y", Schema.FLOAT64_SCHEMA)
                .field("wkb", Schema.OPTIONAL_BYTES_SCHEMA).field("srid", Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema row = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("ints", SchemaBuilder.array(Schema.INT32_SCHEMA).optional().build())
                .field("longs", SchemaBuilder.array(Schema.INT64_SCHEMA).optional().build())
                .field("hstore_map", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA)
                        .optional().build())
                .field("hstore_json", SchemaBuilder.string().name("io.debezium.data.Json").optional().build())
                .field("uuids", SchemaBuilder.array(SchemaBuilder.string().name("io.debezium.data.Uuid").build())
                        .optional().build())
                .field("blobs", SchemaBuilder.array(Schema.BYTES_SCHEMA).optional().build())
                .field("shape", geometry).field("place", geometry).field("spot", point)
                .field("real_ints", SchemaBuilder.array(Schema.INT32_SCHEMA).optional().build())
                .optional().build();
        Struct after = new Struct(row).put("id", 1).put("ints", ints).put("longs", longs)
                .put("hstore_map", java.util.Map.of(PLACEHOLDER, PLACEHOLDER))
                .put("hstore_json", "{\"" + PLACEHOLDER + "\":\"" + PLACEHOLDER + "\"}")
                .put("uuids", List.of(java.util.UUID.nameUUIDFromBytes(bytes).toString()))
                .put("blobs", List.of(bytes))
                .put("shape", new Struct(geometry).put("srid", 4326).put("wkb", java.util.HexFormat.of()
                        .parseHex("0101000020E6100000000000FC83D797C1000000FC83D797C1")))
                .put("place", new Struct(geometry).put("srid", 4326).put("wkb", java.util.HexFormat.of()
                        .parseHex("0101000020E61000000C21E7FDFF7F66401842CEFBFF7F5640")))
                .put("spot", new Struct(point).put("x", -99999999.0).put("y", -99999999.0))
                .put("real_ints", List.of(1, 2));
        Struct update = envelope(row, after, "u");
        assertEquals(Set.of("ints", "longs", "hstore_map", "hstore_json", "uuids", "blobs", "shape", "place", "spot"),
                new RecordUnwrapper(true, PLACEHOLDER).unwrap(new SinkRecord("t", 0, KEY,
                        new Struct(KEY).put("id", 1), update.schema(), update, 1)).unavailableColumns());
    }

    @Test
    void aTableWithStatusAndIdLikeATransactionEventIsWritten() {
        Schema jobs = SchemaBuilder.struct().name("dbz.public.sync_jobs.Value").field("id", Schema.STRING_SCHEMA)
                .field("status", Schema.OPTIONAL_STRING_SCHEMA)
                .field("data_collections", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build()).build();
        for (String status : List.of("BEGIN", "END")) {
            assertTrue(unwrapper.unwrap(new SinkRecord("sync_jobs", 0, null, null, jobs, new Struct(jobs)
                    .put("id", "j1").put("status", status).put("data_collections", List.of("a")), 0)) != null, status);
            java.util.Map<String, Object> map = new java.util.HashMap<>();
            map.put("id", "j1");
            map.put("status", status);
            map.put("data_collections", List.of("a"));
            map.put("event_count", 3L);
            assertTrue(unwrapper.unwrap(new SinkRecord("sync_jobs", 0, null, null, null, map, 0)) != null, status);
        }
    }
}
