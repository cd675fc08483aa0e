package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.jdbc.types.PgTypeOptions;
import io.tablestream.source.TableSchema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ChangeEventTest {

    private static final TableSchema ORDERS;

    static {
        PgTypeCatalog types = PgTypeCatalog.of(PgTypeOptions.DEFAULTS);
        List<ColumnReader> readers = List.of(
                types.readerFor(new PgColumn("id", "int4", -1, true)),
                types.readerFor(new PgColumn("note", "text", -1, false)));
        ORDERS = TableSchema.of(new TableId("public", "orders"), readers, List.of("id"));
    }

    private static final RecordFormat FLAT = new RecordFormat(false, DeleteHandlingMode.TOMBSTONE, true);
    private static final RecordFormat REWRITE = new RecordFormat(false, DeleteHandlingMode.REWRITE, true);
    private static final RecordFormat DEBEZIUM = new RecordFormat(true, DeleteHandlingMode.TOMBSTONE, true);

    private static ChangeEvent delete() {
        Struct key = new Struct(ORDERS.keySchema()).put("id", 7);
        // REPLICA IDENTITY DEFAULT: the old row is known by its key only.
        Struct known = new Struct(ORDERS.valueSchema()).put("id", 7);
        return new ChangeEvent(ORDERS, "shop.orders", 'd', key, known, null, 0x16B3748L, 731, 1_000L);
    }

    private static ChangeEvent insert() {
        Struct key = new Struct(ORDERS.keySchema()).put("id", 7);
        Struct row = new Struct(ORDERS.valueSchema()).put("id", 7).put("note", "new");
        return new ChangeEvent(ORDERS, "shop.orders", 'c', key, null, row, 0x16B3748L, 731, 1_000L);
    }

    @Test
    void theRecordsOfOneTransactionShareTheirHeaderObjectsButNotTheirHeaderLists() {
        SourceRecord first = insert().toRecords(Map.of("slot", "s"), Map.of(), FLAT).get(0);
        SourceRecord second = insert().toRecords(Map.of("slot", "s"), Map.of(), FLAT).get(0);
        SourceRecord delete = delete().toRecords(Map.of("slot", "s"), Map.of(), FLAT).get(0);

        for (String name : List.of("op", "lsn", "txid", "commit_ts_ms")) {
            assertSame(first.headers().lastWithName(name), second.headers().lastWithName(name), name);
        }
        assertEquals(List.of("c", "0/16B3748", 731L, 1_000L),
                List.of(first.headers().lastWithName("op").value(), first.headers().lastWithName("lsn").value(),
                        first.headers().lastWithName("txid").value(),
                        first.headers().lastWithName("commit_ts_ms").value()));
        assertEquals("d", delete.headers().lastWithName("op").value()); // another operation: its own headers
        assertNotSame(first.headers(), second.headers());
        first.headers().addString("added", "by a transform");
        assertNull(second.headers().lastWithName("added"));
        assertEquals(4, second.headers().size());
    }

    @Test
    void aFlatDeleteIsOneTombstoneWithTheChangeHeaders() {
        List<SourceRecord> records = delete().toRecords(Map.of("slot", "s"), Map.of(), FLAT);
        assertEquals(1, records.size());
        SourceRecord record = records.get(0);
        assertEquals(7, ((Struct) record.key()).get("id"));
        assertNull(record.value());
        assertNull(record.valueSchema());
        assertEquals("d", record.headers().lastWithName("op").value());
    }

    @Test
    void rewriteMarksEveryValueAndFollowsTheLastKnownRowWithATombstone() {
        SourceRecord inserted = insert().toRecords(Map.of("slot", "s"), Map.of(), REWRITE).get(0);
        List<SourceRecord> deleted = delete().toRecords(Map.of("slot", "s"), Map.of(), REWRITE);
        assertEquals(2, deleted.size());
        Struct row = (Struct) deleted.get(0).value();
        assertEquals(inserted.valueSchema(), row.schema(), "one schema for inserts and deletes");
        row.validate();
        assertEquals(java.util.Arrays.asList(7, null, "true"), java.util.Arrays.asList(row.get("id"), row.get("note"),
                row.get(RecordFormat.DELETED_FIELD)));
        assertEquals("false", ((Struct) inserted.value()).get(RecordFormat.DELETED_FIELD));
        assertNull(deleted.get(1).value());
        List<SourceRecord> withoutTombstone = delete().toRecords(Map.of("slot", "s"), Map.of(),
                new RecordFormat(false, DeleteHandlingMode.REWRITE, false));
        assertEquals(1, withoutTombstone.size());
    }

    @Test
    void aDebeziumDeleteHasTheKnownBeforeAndATombstoneUnlessTurnedOff() {
        List<SourceRecord> records = delete().toRecords(Map.of("slot", "s"), Map.of(), DEBEZIUM);
        assertEquals(2, records.size());
        Struct envelope = (Struct) records.get(0).value();
        envelope.validate();
        assertEquals(java.util.Arrays.asList("d", 7, null, null), java.util.Arrays.asList(envelope.get("op"),
                envelope.getStruct("before").get("id"), envelope.getStruct("before").get("note"), envelope.get("after")));
        assertNull(records.get(1).value());
        assertEquals(1, delete().toRecords(Map.of("slot", "s"), Map.of(),
                new RecordFormat(true, DeleteHandlingMode.TOMBSTONE, false)).size());
    }

    private static ChangeEvent truncate() {
        return new ChangeEvent(ORDERS, "shop.orders", 't', null, null, null, 0x16B3748L, 731, 1_000L);
    }

    @Test
    void writesTheLsnAsTheDriverDoes() {
        for (long lsn : new long[] {0L, 0x16B3748L, 0x16_B374D848L, 0xFFFFFFFF_FFFFFFFFL, 0x80000000_00000001L}) {
            assertEquals(LogSequenceNumber.valueOf(lsn).asString(), ChangeEvent.lsnText(lsn));
        }
    }

    @Test
    void aFlatTruncateIsOneRecordWithoutKeyOrValue() {
        List<SourceRecord> records = truncate().toRecords(Map.of("slot", "s"), Map.of(), FLAT);
        assertEquals(1, records.size());
        SourceRecord record = records.get(0);
        assertEquals(List.of("shop.orders", "t", "0/16B3748"), List.of(record.topic(),
                record.headers().lastWithName("op").value(), record.headers().lastWithName("lsn").value()));
        assertNull(record.keySchema());
        assertNull(record.key());
        assertNull(record.valueSchema());
        assertNull(record.value());
    }

    @Test
    void aDebeziumTruncateIsAKeylessEnvelopeWithOpT() {
        List<SourceRecord> records = truncate().toRecords(Map.of("slot", "s"), Map.of(), DEBEZIUM);
        assertEquals(1, records.size());
        Struct envelope = (Struct) records.get(0).value();
        assertNull(records.get(0).key());
        assertEquals("t", envelope.getString("op"));
        assertNull(envelope.get("before"));
        assertNull(envelope.get("after"));
        assertEquals(List.of("orders", 731L), List.of(envelope.getStruct("source").get("table"),
                envelope.getStruct("source").get("txId")));
    }
}
