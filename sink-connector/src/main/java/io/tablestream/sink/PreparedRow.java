package io.tablestream.sink;

/**
 * An operation with its column values converted once: {@code key} identifies its row within a flush (null without
 * a primary key), {@code values} are bound by a batch, {@code copyLine} is streamed by COPY (one of the two is set).
 */
record PreparedRow(SinkOp op, String key, Object[] values, String copyLine) {
}
