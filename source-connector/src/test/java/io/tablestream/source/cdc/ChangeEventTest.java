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
import static org.junit.jupiter.api.Assertions.assertNull;

class ChangeEventTest {

    private static final TableSchema ORDERS;

    static {
        PgTypeCatalog types = PgTypeCatalog.of(PgTypeOptions.DEFAULTS);
        List<ColumnReader> readers = List.of(
                types.readerFor(new PgColumn("id", "int4", -1, true)).orElseThrow(),
                types.readerFor(new PgColumn("note", "text", -1, false)).orElseThrow());
        ORDERS = TableSchema.of(new TableId("public", "orders"), readers, List.of("id"));
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
        List<SourceRecord> records = truncate().toRecords(Map.of("slot", "s"), Map.of(), false);
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
        List<SourceRecord> records = truncate().toRecords(Map.of("slot", "s"), Map.of(), true);
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
