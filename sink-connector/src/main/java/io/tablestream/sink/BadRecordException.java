package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;

/** One record's value does not fit its column; names the record, table and column so the user can find both. */
final class BadRecordException extends ConnectException {

    private final transient SinkOp op;

    BadRecordException(SinkOp op, TableId table, String column, RuntimeException cause) {
        super("Cannot write the record at " + Records.position(op.original()) + " to column '" + column
                + "' of table " + table + ": " + cause.getMessage(), cause);
        this.op = op;
    }

    SinkOp op() {
        return op;
    }
}
