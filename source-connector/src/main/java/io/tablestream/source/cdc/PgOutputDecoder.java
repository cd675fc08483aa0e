package io.tablestream.source.cdc;

import io.tablestream.source.cdc.PgOutputMessage.Column;
import io.tablestream.source.cdc.PgOutputMessage.TupleData;
import org.apache.kafka.connect.errors.ConnectException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Parses pgoutput protocol version 1 messages; stateless. */
public final class PgOutputDecoder {

    private PgOutputDecoder() {
    }

    public static PgOutputMessage decode(ByteBuffer buffer) {
        char tag = (char) buffer.get();
        return switch (tag) {
            case 'B' -> new PgOutputMessage.Begin(buffer.getLong(), buffer.getLong(), Integer.toUnsignedLong(buffer.getInt()));
            case 'C' -> {
                buffer.get(); // flags, unused
                yield new PgOutputMessage.Commit(buffer.getLong(), buffer.getLong(), buffer.getLong());
            }
            case 'R' -> relation(buffer);
            case 'I' -> {
                int relationId = buffer.getInt();
                expect(buffer, 'N');
                yield new PgOutputMessage.Insert(relationId, tuple(buffer));
            }
            case 'U' -> update(buffer);
            case 'D' -> {
                int relationId = buffer.getInt();
                char kind = (char) buffer.get();
                yield new PgOutputMessage.Delete(relationId, tuple(buffer), kind == 'K');
            }
            case 'T' -> {
                int count = buffer.getInt();
                buffer.get(); // options: CASCADE / RESTART IDENTITY
                List<Integer> ids = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    ids.add(buffer.getInt());
                }
                yield new PgOutputMessage.Truncate(ids);
            }
            default -> new PgOutputMessage.Ignored(tag);
        };
    }

    private static PgOutputMessage relation(ByteBuffer buffer) {
        int relationId = buffer.getInt();
        String namespace = string(buffer);
        String name = string(buffer);
        char replicaIdentity = (char) buffer.get();
        int count = buffer.getShort();
        List<Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean key = (buffer.get() & 1) != 0;
            columns.add(new Column(key, string(buffer), buffer.getInt(), buffer.getInt()));
        }
        return new PgOutputMessage.Relation(relationId, namespace, name, replicaIdentity, List.copyOf(columns));
    }

    private static PgOutputMessage update(ByteBuffer buffer) {
        int relationId = buffer.getInt();
        char kind = (char) buffer.get();
        TupleData old = null;
        boolean keyOnly = false;
        if (kind == 'K' || kind == 'O') {
            keyOnly = kind == 'K';
            old = tuple(buffer);
            kind = (char) buffer.get();
        }
        if (kind != 'N') {
            throw new ConnectException("Malformed pgoutput update: expected 'N', got '" + kind + "'");
        }
        return new PgOutputMessage.Update(relationId, old, keyOnly, tuple(buffer));
    }

    private static TupleData tuple(ByteBuffer buffer) {
        int count = buffer.getShort();
        String[] values = new String[count];
        for (int i = 0; i < count; i++) {
            char kind = (char) buffer.get();
            values[i] = switch (kind) {
                case 'n' -> null;
                case 'u' -> TupleData.UNCHANGED_TOAST;
                case 't' -> {
                    byte[] bytes = new byte[buffer.getInt()];
                    buffer.get(bytes);
                    yield new String(bytes, StandardCharsets.UTF_8);
                }
                default -> throw new ConnectException("Unsupported pgoutput column kind '" + kind
                        + "' (tablestream asks for text values, protocol version 1)");
            };
        }
        return new TupleData(Arrays.asList(values));
    }

    private static void expect(ByteBuffer buffer, char expected) {
        char actual = (char) buffer.get();
        if (actual != expected) {
            throw new ConnectException("Malformed pgoutput message: expected '" + expected + "', got '" + actual + "'");
        }
    }

    private static String string(ByteBuffer buffer) {
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        buffer.get(bytes);
        buffer.get(); // the terminating zero
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
