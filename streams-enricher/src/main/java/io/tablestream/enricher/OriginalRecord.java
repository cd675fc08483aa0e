package io.tablestream.enricher;

import org.apache.kafka.connect.data.SchemaAndValue;

/**
 * An input record on its way through the join: the key exactly as it was read (raw bytes, never re-serialised,
 * so the output key is byte-for-byte the input key and lands in the same partition) and the value, null for a
 * tombstone. Carrying the key in the value is what lets the record be re-keyed by the join key and still be
 * written back under its own key afterwards.
 * <p>
 * {@code inputValue} holds the value's bytes as read from the input topic while the value is still exactly
 * what they decode to, so the repartition topic can carry those bytes instead of re-serialising the value;
 * null once a join has changed the value (and for tombstones).
 */
record OriginalRecord(byte[] key, SchemaAndValue value, byte[] inputValue) {

    OriginalRecord(byte[] key, SchemaAndValue value) {
        this(key, value, null);
    }

    boolean isTombstone() {
        return value == null;
    }
}
