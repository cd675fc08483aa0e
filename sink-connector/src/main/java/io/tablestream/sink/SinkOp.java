package io.tablestream.sink;

import org.apache.kafka.connect.sink.SinkRecord;

/**
 * What one record asks of its table: write {@code row} (its key and value give the columns), or delete the row of
 * its key. {@code original} is the record as consumed, reported to the dead-letter queue and named in errors; for a
 * change envelope {@code row} carries the unwrapped {@code after} (or {@code before} for a delete).
 */
record SinkOp(SinkRecord original, SinkRecord row, boolean delete) {
}
