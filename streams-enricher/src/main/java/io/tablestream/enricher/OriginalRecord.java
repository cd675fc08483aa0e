package io.tablestream.enricher;

import org.apache.kafka.connect.data.SchemaAndValue;

/**
 * An input record on its way through the join: the key exactly as it was read (raw bytes, never re-serialised,
 * so the output key is byte-for-byte the input key and lands in the same partition) and the value, null for a
 * tombstone. Carrying the key in the value is what lets the record be re-keyed by the join key and still be
 * written back under its own key afterwards.
 * <p>
 * {@code moved} marks no record but a notice sent along a key's previous route when its records move to another
 * join key: the versions of the key still waiting there for their lookup row are older than the one that moved, so
 * they must not be written after it (see {@link AwaitLookupRow}).
 */
record OriginalRecord(byte[] key, SchemaAndValue value, boolean moved) {

    OriginalRecord(byte[] key, SchemaAndValue value) {
        this(key, value, false);
    }

    static OriginalRecord movedAway(byte[] key) {
        return new OriginalRecord(key, null, true);
    }

    boolean isTombstone() {
        return value == null && !moved;
    }
}
