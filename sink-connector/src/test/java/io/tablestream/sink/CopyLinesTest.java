package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.SchemaNames;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The COPY lines written straight into the buffer are byte for byte what the former path wrote: each value's
 * {@code ConnectType.toText}, escaped by {@link CopyText}, joined by tabs, encoded as UTF-8.
 */
class CopyLinesTest {

    private static final TableId TABLE = TableId.parse("everything");
    private static final String HOSTILE = "a\\b\tc\nd\re\\N \"q\" {x,y} é € 𝄞 NULL null";

    private static final Schema VALUE = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("i8", Schema.OPTIONAL_INT8_SCHEMA)
            .field("i16", Schema.OPTIONAL_INT16_SCHEMA)
            .field("i32", Schema.OPTIONAL_INT32_SCHEMA)
            .field("i64", Schema.OPTIONAL_INT64_SCHEMA)
            .field("f32", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("f64", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("flag", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("text", Schema.OPTIONAL_STRING_SCHEMA)
            .field("raw", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("amount", Decimal.builder(2).optional().build())
            .field("day", Date.builder().optional().build())
            .field("at", Time.builder().optional().build())
            .field("ts", Timestamp.builder().optional().build())
            .field("doc", SchemaBuilder.string().name(SchemaNames.JSON).optional().build())
            .field("ref", SchemaBuilder.string().name(SchemaNames.UUID).optional().build())
            .field("big", SchemaBuilder.string().name(SchemaNames.NUMERIC).optional().build())
            .field("mood", SchemaBuilder.string().name(SchemaNames.ENUM).optional().build())
            .field("tsmicros", SchemaBuilder.int64().name(SchemaNames.TIMESTAMP_MICROS).optional().build())
            .field("tstzmicros", SchemaBuilder.int64().name(SchemaNames.TIMESTAMPTZ_MICROS).optional().build())
            .field("timemicros", SchemaBuilder.int64().name(SchemaNames.TIME_MICROS).optional().build())
            .field("span", SchemaBuilder.string().name(SchemaNames.INTERVAL).optional().build())
            .field("ints", SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).optional().build())
            .field("words", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .field("grid", SchemaBuilder.array(SchemaBuilder.array(Schema.INT64_SCHEMA).build()).optional().build())
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .field("nested", SchemaBuilder.struct().field("k", Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .build();

    private static Struct full(long id) {
        Struct value = new Struct(VALUE)
                .put("id", id)
                .put("i8", Byte.MIN_VALUE)
                .put("i16", Short.MAX_VALUE)
                .put("i32", -7)
                .put("i64", Long.MIN_VALUE)
                .put("f32", 1.5e-7f)
                .put("f64", -Double.MAX_VALUE)
                .put("flag", true)
                .put("text", HOSTILE)
                .put("raw", new byte[] {0, 9, 10, 92, (byte) 0xff})
                .put("amount", new BigDecimal("-1234567.89"))
                .put("day", new java.util.Date(-62_000_000_000_000L))
                .put("at", new java.util.Date(45_296_789L))
                .put("ts", new java.util.Date(1_709_249_415_123L))
                .put("doc", "{\"a\": \"tab\\there\\nnew\", \"b\": [1, null]}\t\n")
                .put("ref", "123E4567-E89B-12D3-A456-426614174000")
                .put("big", "NaN")
                .put("mood", "so\tso")
                .put("tsmicros", Long.MAX_VALUE)
                .put("tstzmicros", -1L)
                .put("timemicros", 86_400_000_000L)
                .put("span", "1 day 02:03:04")
                .put("ints", Arrays.asList(1, null, -3))
                .put("words", Arrays.asList(HOSTILE, null, "", "NULL", "a,b"))
                .put("grid", List.of(List.of(1L, 2L), List.of(3L, 4L)))
                .put("attrs", Map.of("k\t", "v\n\\"))
                .put("nested", new Struct(VALUE.field("nested").schema()).put("k", "x\ty"));
        return value;
    }

    private static SinkOp op(long offset, Struct value) {
        SinkRecord r = TestRecords.record("everything", 0, offset, null, null, VALUE, value);
        return new SinkOp(r, r, false);
    }

    private static String formerLine(WritePlan plan, SinkRecord record) {
        StringBuilder line = new StringBuilder();
        List<SinkColumn> columns = plan.columns();
        for (int i = 0; i < columns.size(); i++) {
            if (i > 0) {
                line.append('\t');
            }
            SinkColumn column = columns.get(i);
            CopyText.appendValue(line, column.type().toText(column.source().apply(record)));
        }
        return line.append('\n').toString();
    }

    @Test
    void everyTypeWritesTheBytesTheFormerPathWrote() {
        Struct nulls = new Struct(VALUE).put("id", 0L);
        Struct extremes = full(2).put("i8", Byte.MAX_VALUE).put("i16", Short.MIN_VALUE).put("i32", Integer.MIN_VALUE)
                .put("i64", Long.MAX_VALUE).put("flag", false).put("text", "\ud800 lone \udc00 surrogates")
                .put("raw", ByteBuffer.wrap(new byte[] {1, 2})).put("big", "-12.3400").put("tsmicros", Long.MIN_VALUE)
                .put("text", "").put("words", List.of());
        Struct beforeOurEra = full(5).put("ts", new java.util.Date(-62_200_000_000_001L));
        Struct farFuture = full(6).put("ts", new java.util.Date(253_402_300_800_000L)).put("i64", 0L);
        Struct epoch = full(7).put("ts", new java.util.Date(0)).put("i32", 1_000_000_000);
        List<SinkOp> ops = List.of(op(1, full(1)), op(2, nulls), op(3, extremes), op(4, full(-42)),
                op(5, beforeOurEra), op(6, farFuture), op(7, epoch));
        WritePlan plan = WritePlan.create(TestRecords.config(), TABLE, ops.get(0).row());

        List<PreparedRow> rows = new TableWriter(false, WriteMethod.COPY).prepare(plan, ops);

        for (int i = 0; i < ops.size(); i++) {
            String expected = formerLine(plan, ops.get(i).row());
            PreparedRow row = rows.get(i);
            assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8),
                    row.copyText().bytes(row.copyStart(), row.copyEnd()), "row " + i + ": " + expected);
        }
        assertEquals(rows.get(0).copyEnd(), rows.get(1).copyStart(), "the rows lie one after the other");
    }

    @Test
    void keysFromTheCopyTextTellNullFromTheTextNullAndRepeatsApart() {
        Schema keyed = SchemaBuilder.struct().field("k", Schema.OPTIONAL_STRING_SCHEMA)
                .field("v", Schema.INT32_SCHEMA).build();
        List<SinkOp> ops = new ArrayList<>();
        String[] keys = {null, "null", "a\tb", null, "a\tb", "\\N"};
        for (int i = 0; i < keys.length; i++) {
            SinkRecord r = TestRecords.record("t", 0, i, null, null, keyed, new Struct(keyed).put("k", keys[i])
                    .put("v", i));
            ops.add(new SinkOp(r, r, false));
        }
        WritePlan plan = WritePlan.create(TestRecords.config("insert.mode", "upsert", "pk.mode", "record_value",
                "pk.fields", "k"), TABLE, ops.get(0).row());
        List<PreparedRow> rows = new TableWriter(false, WriteMethod.COPY).prepare(plan, ops);
        List<List<Long>> kept = TableWriter.passes(plan, rows).stream()
                .map(s -> s.stream().map(r -> r.op().original().kafkaOffset()).toList()).toList();
        assertEquals(List.of(List.of(0L, 1L, 3L, 4L, 5L)), kept,
                "the last per key; a null key names no row, so both nulls stay; 'null' and '\\N' differ from null");
        assertEquals("\\N\t3\n", rows.get(3).copyLine());
    }

    @Test
    void aBufferGrowsForLongValuesAndIsReusedByTheNextFlush() {
        TableWriter writer = new TableWriter(false, WriteMethod.COPY);
        String longText = "é\t".repeat(100_000);
        Struct big = full(1).put("text", longText);
        WritePlan plan = WritePlan.create(TestRecords.config(), TABLE, op(1, big).row());
        PreparedRow first = writer.prepare(plan, List.of(op(1, big))).get(0);
        assertEquals(formerLine(plan, op(1, big).row()), first.copyLine());
        PreparedRow next = writer.prepare(plan, List.of(op(2, full(2)))).get(0);
        assertEquals(0, next.copyStart(), "a new flush starts the buffer over");
        assertEquals(formerLine(plan, op(2, full(2)).row()), next.copyLine());
    }
}
