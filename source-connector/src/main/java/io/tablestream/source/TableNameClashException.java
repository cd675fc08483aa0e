package io.tablestream.source;

import org.apache.kafka.connect.errors.ConnectException;

/** Selected tables would share a topic or a stored offset ({@link TableNameClashes}): the connector refuses them. */
public final class TableNameClashException extends ConnectException {

    public TableNameClashException(String message) {
        super(message);
    }
}
