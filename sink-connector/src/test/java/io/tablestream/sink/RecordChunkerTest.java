package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordChunkerTest {

    private static final Schema V1 = SchemaBuilder.struct().name("V").version(1)
            .field("id", Schema.INT32_SCHEMA).build();
    private static final Schema V2 = SchemaBuilder.struct().name("V").version(2)
            .field("id", Schema.INT32_SCHEMA).field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("server.public.orders.Envelope")
            .field("before", SchemaBuilder.struct().name("Value").optional().field("id", Schema.INT32_SCHEMA).build())
            .field("after", SchemaBuilder.struct().name("Value").optional().field("id", Schema.INT32_SCHEMA).build())
            .field("op", Schema.STRING_SCHEMA).build();

    private final TableNameFormat tables = new TableNameFormat("${topic}");

    private static SinkRecord rec(String topic, long offset, Schema schema) {
        return TestRecords.record(topic, 0, offset, Schema.STRING_SCHEMA, "k" + offset, schema,
                new Struct(schema).put("id", (int) offset));
    }

    private static List<SinkOp> ops(boolean deleteEnabled, List<SinkRecord> records) {
        RecordUnwrapper unwrapper = new RecordUnwrapper(deleteEnabled);
        return records.stream().map(unwrapper::unwrap).filter(Objects::nonNull).toList();
    }

    private static List<Long> offsets(RecordChunker.Chunk chunk) {
        return chunk.ops().stream().map(op -> op.original().kafkaOffset()).toList();
    }

    private List<RecordChunker.Chunk> chunk(int batchSize, List<SinkRecord> records) {
        return new RecordChunker(tables::tableFor, batchSize, false).chunk(ops(true, records));
    }

    /**
     * A partition whose records go to several tables (a topic carrying several source tables, named by
     * ${source.table}): its records are written in Kafka order, as a chunk's offsets are stored with it and a
     * chunk of the later records written first would store an offset past the earlier ones of the other table.
     */
    @Test
    void aPartitionFeedingSeveralTablesIsChunkedInKafkaOrder() {
        List<SinkRecord> records = new ArrayList<>();
        for (long i = 0; i < 6; i++) {
            records.add(rec("mixed", i, V1));
        }
        records.add(rec("plain", 100, V1));
        RecordChunker chunker = new RecordChunker(r -> TableId.parse(r.topic().equals("plain") ? "plain"
                : r.kafkaOffset() % 3 == 1 ? "b" : "a"), 10, false);

        List<RecordChunker.Chunk> chunks = chunker.chunk(ops(true, records));

        assertEquals(List.of("public.a", "public.b", "public.a", "public.b", "public.a", "public.plain"),
                chunks.stream().map(c -> c.table().toString()).toList());
        assertEquals(List.of(List.of(0L), List.of(1L), List.of(2L, 3L), List.of(4L), List.of(5L), List.of(100L)),
                chunks.stream().map(RecordChunkerTest::offsets).toList());
    }

    @Test
    void groupsByTableKeepingOrderAndSplitsAtBatchSize() {
        List<SinkRecord> records = new ArrayList<>();
        for (long i = 0; i < 5; i++) {
            records.add(rec("orders", i, V1));
            records.add(rec("customers", 100 + i, V1));
        }

        List<RecordChunker.Chunk> chunks = chunk(2, records);

        assertEquals(6, chunks.size());
        assertEquals(TableId.parse("orders"), chunks.get(0).table());
        assertEquals(List.of(0L, 1L), offsets(chunks.get(0)));
        assertEquals(List.of(2L, 3L), offsets(chunks.get(1)));
        assertEquals(List.of(4L), offsets(chunks.get(2)));
        assertEquals(TableId.parse("customers"), chunks.get(3).table());
        assertEquals(List.of(100L, 101L), offsets(chunks.get(3)));
    }

    @Test
    void topicsMappedToOneTableShareChunks() {
        TableNameFormat single = new TableNameFormat("sales.all_events");
        List<RecordChunker.Chunk> chunks = new RecordChunker(single::tableFor, 10, false)
                .chunk(ops(false, List.of(rec("a", 1, V1), rec("b", 2, V1))));
        assertEquals(1, chunks.size());
        assertEquals(new TableId("sales", "all_events"), chunks.get(0).table());
    }

    @Test
    void aSchemaChangeStartsANewChunk() {
        List<RecordChunker.Chunk> chunks = chunk(100, List.of(rec("orders", 1, V1), rec("orders", 2, V1),
                rec("orders", 3, V2), rec("orders", 4, V1)));

        assertEquals(List.of(List.of(1L, 2L), List.of(3L), List.of(4L)),
                chunks.stream().map(RecordChunkerTest::offsets).toList());
    }

    @Test
    void aKeySchemaChangeMattersOnlyForRecordKey() {
        SinkRecord stringKey = rec("orders", 1, V1);
        SinkRecord intKey = TestRecords.record("orders", 0, 2, Schema.INT32_SCHEMA, 2, V1,
                new Struct(V1).put("id", 2));
        List<SinkOp> ops = ops(false, List.of(stringKey, intKey));

        assertEquals(1, new RecordChunker(tables::tableFor, 100, false).chunk(ops).size());
        assertEquals(2, new RecordChunker(tables::tableFor, 100, true).chunk(ops).size());
    }

    @Test
    void tombstonesAreSkippedUnlessDeletesAreEnabled() {
        SinkRecord tombstone = TestRecords.record("orders", 0, 2, Schema.STRING_SCHEMA, "k2", V1, null);
        List<SinkRecord> records = List.of(rec("orders", 1, V1), tombstone, rec("orders", 3, V1));

        assertEquals(List.of(1L, 3L), ops(false, records).stream().map(op -> op.original().kafkaOffset()).toList());
        List<RecordChunker.Chunk> chunks = chunk(100, records);
        assertEquals(List.of(List.of(1L, 2L, 3L)), chunks.stream().map(RecordChunkerTest::offsets).toList(),
                "a delete needs only the key, so it does not end the chunk");
        assertTrue(chunks.get(0).ops().get(1).delete());
        assertFalse(chunks.get(0).deletesOnly());
        assertTrue(chunk(100, List.of(tombstone)).get(0).deletesOnly());
    }

    @Test
    void changeEnvelopesAreUnwrapped() {
        Schema row = ENVELOPE.field("after").schema();
        SinkRecord create = TestRecords.record("orders", 0, 1, Schema.STRING_SCHEMA, "k1", ENVELOPE,
                new Struct(ENVELOPE).put("after", new Struct(row).put("id", 1)).put("op", "c"));
        SinkRecord delete = TestRecords.record("orders", 0, 2, Schema.STRING_SCHEMA, "k1", ENVELOPE,
                new Struct(ENVELOPE).put("before", new Struct(row).put("id", 1)).put("op", "d"));

        List<SinkOp> ops = ops(true, List.of(create, delete));

        assertEquals(row, ops.get(0).row().valueSchema());
        assertEquals(1, ((Struct) ops.get(0).row().value()).getInt32("id"));
        assertFalse(ops.get(0).delete());
        assertTrue(ops.get(1).delete());
        assertEquals(delete, ops.get(1).original());
        assertEquals(List.of(create), ops(false, List.of(create, delete)).stream().map(SinkOp::original).toList());
    }

    @Test
    void schemalessMapsAreRowsChunkedWhereTheirEntryNamesChange() {
        List<SinkRecord> records = List.of(
                TestRecords.record("orders", 0, 1, null, null, null, Map.of("id", 1, "note", "a")),
                TestRecords.record("orders", 0, 2, null, null, null, Map.of("note", "b", "id", 2)),
                TestRecords.record("orders", 0, 3, null, null, null, Map.of("id", 3)));

        List<RecordChunker.Chunk> chunks = chunk(10, records);

        assertEquals(List.of(List.of(1L, 2L), List.of(3L)), chunks.stream().map(RecordChunkerTest::offsets).toList());
        assertFalse(chunks.get(0).ops().get(0).delete());
    }

    @Test
    void schemalessValuesOtherThanMapsAreRejectedNamingTheRecordAndTheFix() {
        SinkRecord schemaless = TestRecords.record("orders", 3, 77, null, null, null, List.of(1));

        ConnectException e = assertThrows(ConnectException.class, () -> ops(false, List.of(schemaless)));

        assertTrue(e.getMessage().contains("topic 'orders' partition 3 offset 77"), e.getMessage());
        assertTrue(e.getMessage().contains("JsonConverter with value.converter.schemas.enable=true"), e.getMessage());
    }

    @Test
    void primitiveValuesAreRejected() {
        SinkRecord primitive = TestRecords.record("orders", 0, 5, null, null, Schema.STRING_SCHEMA, "x");
        ConnectException e = assertThrows(ConnectException.class, () -> ops(false, List.of(primitive)));
        assertTrue(e.getMessage().contains("schema type STRING"), e.getMessage());
    }

    @Test
    void offsetRangesArePerPartition() {
        List<SinkRecord> records = List.of(
                TestRecords.record("orders", 0, 10, null, null, V1, null),
                TestRecords.record("orders", 1, 4, null, null, V1, null),
                TestRecords.record("orders", 0, 12, null, null, V1, null));
        assertEquals("topic 'orders' partition 0 offsets 10..12, topic 'orders' partition 1 offsets 4..4",
                Records.offsetRanges(records));
    }
}
