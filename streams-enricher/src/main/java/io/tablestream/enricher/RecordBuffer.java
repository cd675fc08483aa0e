package io.tablestream.enricher;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;

/**
 * A per-thread buffer the internal serdes write a record into before copying out its bytes: every input record is
 * serialized at least once on its way through the join, so growing a fresh buffer for each (and copying it again
 * to prepend a header) would cost an allocation and a copy per record for nothing.
 * Not re-entrant: a serializer holds the buffer from {@link #start()} until it has taken the bytes.
 */
final class RecordBuffer extends ByteArrayOutputStream {

    /** A buffer grown beyond this by one large record is dropped after it, so it does not stay pinned. */
    private static final int MAX_KEPT_BYTES = 1 << 20;
    private static final ThreadLocal<RecordBuffer> BUFFERS = ThreadLocal.withInitial(RecordBuffer::new);

    private final DataOutputStream data = new DataOutputStream(this);

    private RecordBuffer() {
        super(1024);
    }

    /** This thread's buffer, emptied. */
    static RecordBuffer start() {
        RecordBuffer buffer = BUFFERS.get();
        buffer.reset();
        return buffer;
    }

    DataOutputStream data() {
        return data;
    }

    /** The bytes written since {@link #start()}. */
    byte[] finish() {
        byte[] bytes = toByteArray();
        if (buf.length > MAX_KEPT_BYTES) {
            BUFFERS.remove();
        }
        return bytes;
    }
}
