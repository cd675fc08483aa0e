package io.tablestream.enricher;

import org.apache.kafka.connect.data.SchemaAndValue;

/**
 * An input record on its way through the join: the key exactly as it was read (raw bytes, never re-serialised,
 * so the output key is byte-for-byte the input key and lands in the same partition) and the value, null for a
 * tombstone. Carrying the key in the value is what lets the record be re-keyed by the join key and still be
 * written back under its own key afterwards.
 */
record OriginalRecord(byte[] key, SchemaAndValue value) {

    boolean isTombstone() {
        return value == null;
    }
}
