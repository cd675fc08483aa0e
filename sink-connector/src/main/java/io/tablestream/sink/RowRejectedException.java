package io.tablestream.sink;

import org.apache.kafka.connect.errors.ConnectException;

/**
 * The database rejected written rows for their own values (a data exception or a constraint violation): one of the
 * records is bad, the others may be fine. Only this failure sends records to the dead-letter queue.
 */
final class RowRejectedException extends ConnectException {

    RowRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
