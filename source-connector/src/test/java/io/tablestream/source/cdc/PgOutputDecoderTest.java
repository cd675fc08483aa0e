package io.tablestream.source.cdc;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgOutputDecoderTest {

    /** Builds messages byte by byte as the protocol documentation lays them out. */
    private static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final DataOutputStream out = new DataOutputStream(bytes);

        Message(char tag) throws IOException {
            out.writeByte(tag);
        }

        Message int8(int v) throws IOException { out.writeByte(v); return this; }
        Message int16(int v) throws IOException { out.writeShort(v); return this; }
        Message int32(int v) throws IOException { out.writeInt(v); return this; }
        Message int64(long v) throws IOException { out.writeLong(v); return this; }

        Message string(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.writeByte(0);
            return this;
        }

        /** TupleData: null for 'n', "\u0000u" for unchanged TOAST, else text. */
        Message tuple(String... values) throws IOException {
            out.writeShort(values.length);
            for (String v : values) {
                if (v == null) {
                    out.writeByte('n');
                } else if (v.equals("\u0000u")) {
                    out.writeByte('u');
                } else {
                    byte[] b = v.getBytes(StandardCharsets.UTF_8);
                    out.writeByte('t');
                    out.writeInt(b.length);
                    out.write(b);
                }
            }
            return this;
        }

        PgOutputMessage decode() {
            return PgOutputDecoder.decode(ByteBuffer.wrap(bytes.toByteArray()));
        }
    }

    @Test
    void beginAndCommit() throws IOException {
        assertEquals(new PgOutputMessage.Begin(0x1234L, 99L, 0xFFFFFFFEL),
                new Message('B').int64(0x1234L).int64(99L).int32(-2).decode());
        assertEquals(new PgOutputMessage.Commit(10L, 20L, 30L),
                new Message('C').int8(0).int64(10L).int64(20L).int64(30L).decode());
    }

    @Test
    void relationWithKeyFlags() throws IOException {
        PgOutputMessage message = new Message('R').int32(16384).string("sales").string("Orders").int8('d').int16(2)
                .int8(1).string("id").int32(23).int32(-1)
                .int8(0).string("amount").int32(1700).int32((12 << 16 | 2) + 4).decode();
        assertEquals(new PgOutputMessage.Relation(16384, "sales", "Orders", 'd', List.of(
                new PgOutputMessage.Column(true, "id", 23, -1),
                new PgOutputMessage.Column(false, "amount", 1700, (12 << 16 | 2) + 4))), message);
    }

    @Test
    void insertWithNullAndUtf8() throws IOException {
        PgOutputMessage message = new Message('I').int32(7).int8('N').tuple("1", null, "Zoë").decode();
        assertEquals(new PgOutputMessage.Insert(7, new PgOutputMessage.TupleData(Arrays.asList("1", null, "Zoë"))), message);
    }

    @Test
    void updateWithOldRowAndUnchangedToast() throws IOException {
        var update = (PgOutputMessage.Update) new Message('U').int32(7).int8('O').tuple("1", "old", "big")
                .int8('N').tuple("1", "new", "\u0000u").decode();
        assertEquals(List.of("1", "old", "big"), update.oldTuple().values());
        assertEquals(false, update.oldIsKeyOnly());
        assertEquals("new", update.newTuple().values().get(1));
        assertTrue(update.newTuple().isUnchangedToast(2));
    }

    @Test
    void updateWithoutOldTuple() throws IOException {
        var update = (PgOutputMessage.Update) new Message('U').int32(7).int8('N').tuple("1", "x").decode();
        assertNull(update.oldTuple());
        assertEquals(List.of("1", "x"), update.newTuple().values());
    }

    @Test
    void deleteWithKeyAndTruncate() throws IOException {
        var delete = (PgOutputMessage.Delete) new Message('D').int32(7).int8('K').tuple("5", null).decode();
        assertTrue(delete.oldIsKeyOnly());
        assertEquals(Arrays.asList("5", null), delete.oldTuple().values());
        assertEquals(new PgOutputMessage.Truncate(List.of(7, 8)),
                new Message('T').int32(2).int8(0).int32(7).int32(8).decode());
    }

    @Test
    void otherMessagesAreIgnored() throws IOException {
        assertEquals(new PgOutputMessage.Ignored('Y'), new Message('Y').int32(1).string("public").string("mood").decode());
    }
}
