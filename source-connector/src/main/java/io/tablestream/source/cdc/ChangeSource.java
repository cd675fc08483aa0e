package io.tablestream.source.cdc;

import org.apache.kafka.connect.source.SourceRecord;

import java.sql.SQLException;
import java.util.List;

/** The snapshot and the stream: each hands out records until it has none for now. */
interface ChangeSource extends AutoCloseable {

    /** Up to about {@code maxRecords} records, or an empty list when nothing is waiting. */
    List<SourceRecord> poll(int maxRecords) throws SQLException, InterruptedException;

    @Override
    void close();
}
