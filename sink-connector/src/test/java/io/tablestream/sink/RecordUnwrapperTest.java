package io.tablestream.sink;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
