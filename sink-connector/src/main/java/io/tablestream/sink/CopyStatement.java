package io.tablestream.sink;

import org.postgresql.copy.CopyIn;

import java.sql.SQLException;
import java.util.List;

/**
 * A {@code COPY ... FROM STDIN} of some columns of a table, in text or binary format as the {@link WritePlan}
 * chose; a binary COPY's data starts with its header and ends with its trailer.
 */
record CopyStatement(String sql, boolean binary) {

    /** The signature, no flags, no header extension. */
    private static final byte[] BINARY_HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0,
            0, 0, 0, 0, 0, 0, 0, 0};
    /** A field count of -1. */
    private static final byte[] BINARY_TRAILER = {(byte) 0xff, (byte) 0xff};

    static CopyStatement of(String quotedTable, List<SinkColumn> columns, boolean binary) {
        return new CopyStatement(PostgresSql.copyFrom(quotedTable, columns) + (binary ? " (FORMAT binary)" : ""),
                binary);
    }

    void start(CopyIn in) throws SQLException {
        if (binary) {
            in.writeToCopy(BINARY_HEADER, 0, BINARY_HEADER.length);
        }
    }

    void end(CopyIn in) throws SQLException {
        if (binary) {
            in.writeToCopy(BINARY_TRAILER, 0, BINARY_TRAILER.length);
        }
    }
}
