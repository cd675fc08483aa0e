package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableWriterTest {

    private static final Schema VALUE = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final TableId ITEMS = TableId.parse("items");

    private static SinkOp write(long offset, int id, String note) {
        SinkRecord r = TestRecords.record("items", 0, offset, Schema.INT32_SCHEMA, id, VALUE,
                new Struct(VALUE).put("id", id).put("note", note));
        return new SinkOp(r, r, false);
    }

    private static SinkOp delete(long offset, int id) {
        SinkRecord r = TestRecords.record("items", 0, offset, Schema.INT32_SCHEMA, id, null, null);
        return new SinkOp(r, r, true);
    }

    private static WritePlan plan(String mode) {
        return WritePlan.create(TestRecords.config("insert.mode", mode, "pk.mode", "record_key", "pk.fields", "id",
                "delete.enabled", "true"), ITEMS, write(0, 1, "x").row());
    }

    private static List<List<Long>> offsets(List<List<PreparedRow>> passes) {
        return passes.stream().map(s -> s.stream().map(r -> r.op().original().kafkaOffset()).toList()).toList();
    }

    @Test
    void copyLinesEscapeEverythingCopyTextTreatsSpecially() {
        TableWriter writer = new TableWriter(false, WriteMethod.COPY);
        List<PreparedRow> rows = writer.prepare(plan("upsert"), List.of(write(1, 7, "a\\b\tc\nd\re"),
                write(2, 8, null), delete(3, 9)));
        assertEquals("7\ta\\\\b\\tc\\nd\\re\n", rows.get(0).copyLine());
        assertEquals("8\t\\N\n", rows.get(1).copyLine());
        assertEquals("9\n", rows.get(2).copyLine(), "a delete copies only the key");
    }

    @Test
    void upsertKeepsTheLastOperationPerKey() {
        TableWriter writer = new TableWriter(false, WriteMethod.BATCH);
        WritePlan plan = plan("upsert");
        List<PreparedRow> rows = writer.prepare(plan, List.of(write(1, 1, "a"), write(2, 2, "b"), delete(3, 1),
                write(4, 2, "c"), delete(5, 3), write(6, 3, "back")));
        assertEquals(List.of(List.of(3L, 4L, 6L)), offsets(TableWriter.passes(plan, rows)));
    }

    @Test
    void insertStartsANewPassWhereAKeyRepeats() {
        TableWriter writer = new TableWriter(false, WriteMethod.COPY);
        WritePlan plan = plan("insert");
        List<PreparedRow> rows = writer.prepare(plan, List.of(write(1, 1, "a"), delete(2, 1), write(3, 1, "b"),
                write(4, 2, "c")));
        assertEquals(List.of(List.of(1L), List.of(2L), List.of(3L, 4L)), offsets(TableWriter.passes(plan, rows)));
    }

    @Test
    void aNullKeyIsNotTheTextNullNorTheEmptyText() {
        Schema textKey = SchemaBuilder.struct().field("id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        List<SinkOp> ops = new java.util.ArrayList<>();
        String[] ids = {"null", null, "", "null"};
        for (int i = 0; i < ids.length; i++) {
            SinkRecord r = TestRecords.record("items", 0, i, null, null, textKey,
                    new Struct(textKey).put("id", ids[i]).put("note", "n" + i));
            ops.add(new SinkOp(r, r, false));
        }
        WritePlan plan = WritePlan.create(TestRecords.config("insert.mode", "upsert", "pk.mode", "record_value",
                "pk.fields", "id"), ITEMS, ops.get(0).row());
        for (WriteMethod method : WriteMethod.values()) {
            List<PreparedRow> rows = new TableWriter(false, method).prepare(plan, ops);
            assertEquals(List.of(List.of(1L, 2L, 3L)), offsets(TableWriter.passes(plan, rows)),
                    method + ": only the second \"null\" replaces the first");
        }
    }

    @Test
    void aRowWhoseKeyIsNullNeverReplacesAnotherNorIsReplaced() {
        Schema textKey = SchemaBuilder.struct().field("id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        List<SinkOp> ops = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) { // a null key, a delete of a null key, a null key again: NULL equals nothing
            SinkRecord r = TestRecords.record("items", 0, i, null, null, textKey,
                    new Struct(textKey).put("id", null).put("note", "n" + i));
            ops.add(new SinkOp(r, r, i == 1));
        }
        for (String mode : List.of("upsert", "insert")) {
            WritePlan plan = WritePlan.create(TestRecords.config("insert.mode", mode, "pk.mode", "record_value",
                    "pk.fields", "id"), ITEMS, ops.get(0).row());
            for (WriteMethod method : WriteMethod.values()) {
                List<PreparedRow> rows = new TableWriter(false, method).prepare(plan, ops);
                assertEquals(List.of(List.of(0L, 1L, 2L)), offsets(TableWriter.passes(plan, rows)),
                        mode + ", " + method + ": every row reaches the database, which judges it");
            }
        }
    }

    @Test
    void aValueThatDoesNotFitNamesTheRecordAndColumn() {
        Schema uuid = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("ref",
                SchemaBuilder.string().name("io.tablestream.data.Uuid").build()).build();
        SinkRecord bad = TestRecords.record("items", 4, 99, null, null, uuid,
                new Struct(uuid).put("id", 1).put("ref", "not-a-uuid"));
        WritePlan plan = WritePlan.create(TestRecords.config(), ITEMS, bad);
        BadRecordException e = assertThrows(BadRecordException.class,
                () -> new TableWriter(false, WriteMethod.COPY).prepare(plan, List.of(new SinkOp(bad, bad, false))));
        assertTrue(e.getMessage().contains("topic 'items' partition 4 offset 99 to column 'ref' of table public.items"),
                e.getMessage());
        assertTrue(e instanceof ConnectException);
    }

    @Test
    void stagedStatements() {
        WritePlan upsert = plan("upsert");
        assertEquals("CREATE TEMP TABLE IF NOT EXISTS s ON COMMIT DROP AS SELECT \"id\", \"note\" FROM \"public\".\"items\" WITH NO DATA",
                PostgresSql.createStage("s", ITEMS.quoted(), upsert.columns()));
        assertEquals("INSERT INTO \"public\".\"items\" (\"id\", \"note\") SELECT \"id\", \"note\" FROM s ON CONFLICT "
                + "(\"id\") DO UPDATE SET \"note\" = EXCLUDED.\"note\"",
                PostgresSql.mergeStage("s", ITEMS.quoted(), upsert.columns(), InsertMode.UPSERT));
        assertEquals("UPDATE \"public\".\"items\" t SET \"note\" = s.\"note\" FROM s s WHERE t.\"id\" = s.\"id\"",
                PostgresSql.mergeStage("s", ITEMS.quoted(), upsert.columns(), InsertMode.UPDATE));
        assertEquals("DELETE FROM \"public\".\"items\" t USING s s WHERE t.\"id\" = s.\"id\"",
                PostgresSql.deleteUsingStage("s", ITEMS.quoted(), upsert.keys()));
        assertEquals("UPDATE \"public\".\"items\" SET \"note\" = ? WHERE \"id\" = ?", plan("update").insertSql());
    }

    @Test
    void theNewKeysCopyOfAnUpsertPausesLongerAfterEachConflict() {
        WriteStrategy.NewKeyCopies copies = new WriteStrategy.NewKeyCopies(true);
        assertTrue(copies.worthTrying());
        copies.conflicted();
        assertEquals(List.of(false, true), List.of(copies.worthTrying(), copies.worthTrying()));
        copies.conflicted();
        assertEquals(List.of(false, false, true), List.of(copies.worthTrying(), copies.worthTrying(),
                copies.worthTrying()));
        copies.succeeded();
        assertTrue(copies.worthTrying());
        assertTrue(copies.worthTrying(), "tried every time while the keys are new");

        WriteStrategy.NewKeyCopies withoutKeyIndex = new WriteStrategy.NewKeyCopies(false);
        assertEquals(List.of(false, false), List.of(withoutKeyIndex.worthTrying(), withoutKeyIndex.worthTrying()),
                "never without a unique index on the key: a COPY would add duplicates");
    }
}
