package io.tablestream.sink;

/**
 * An operation with its column values converted once: {@code key} identifies its row within a flush (null without
 * a primary key, or when a key field is null: it names no row), {@code values} are bound by a batch; for COPY, bytes {@code [copyStart, copyEnd)} of {@code copyText}
 * are its line (one of the two is set).
 */
record PreparedRow(SinkOp op, String key, Object[] values, CopyBuffer copyText, int copyStart, int copyEnd) {

    /** The COPY line as text (tests, diagnostics); null for a batch row. */
    String copyLine() {
        return copyText == null ? null : copyText.text(copyStart, copyEnd);
    }
}
