package io.tablestream.sink;

/**
 * How a COPY format lays out a row: what comes before, between and after its fields, and each field. The bytes a
 * field writes identify its value (a row's key is made of them), a null apart from every value.
 */
enum CopyRowFormat {
    /** Tab-separated values in COPY's text escaping, {@code \N} for null, a newline after the row. */
    TEXT {
        @Override
        void separateFields(CopyBuffer out) {
            out.appendByte('\t');
        }

        @Override
        void writeField(CopyBuffer out, SinkColumn column, Object value) {
            column.copyWriter().write(value, out);
        }

        @Override
        void endRow(CopyBuffer out) {
            out.appendByte('\n');
        }
    },
    /** The field count, then each value behind its length (-1 for null). */
    BINARY {
        @Override
        void startRow(CopyBuffer out, int fields) {
            out.writeShort(fields);
        }

        @Override
        void writeField(CopyBuffer out, SinkColumn column, Object value) {
            if (value == null) {
                out.writeInt(-1);
            } else {
                int valueStart = out.startLength();
                column.binaryEncoder().write(value, out);
                out.endLength(valueStart);
            }
        }
    };

    void startRow(CopyBuffer out, int fields) {
    }

    void separateFields(CopyBuffer out) {
    }

    abstract void writeField(CopyBuffer out, SinkColumn column, Object value);

    void endRow(CopyBuffer out) {
    }
}
