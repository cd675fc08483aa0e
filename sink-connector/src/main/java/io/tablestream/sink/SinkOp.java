package io.tablestream.sink;

import org.apache.kafka.connect.sink.SinkRecord;

import java.util.Set;

/**
 * What one record asks of its table: write {@code row} (its key and value give the columns), or delete the row of
 * its key. {@code original} is the record as consumed, reported to the dead-letter queue and named in errors; for a
 * change envelope {@code row} carries the unwrapped {@code after} (or {@code before} for a delete).
 * {@code unavailableColumns} are the value fields a change did not carry (TOASTed values of an update): they are
 * left as they are in the table.
 */
record SinkOp(SinkRecord original, SinkRecord row, boolean delete, Set<String> unavailableColumns) {

    SinkOp(SinkRecord original, SinkRecord row, boolean delete) {
        this(original, row, delete, Set.of());
    }
}
