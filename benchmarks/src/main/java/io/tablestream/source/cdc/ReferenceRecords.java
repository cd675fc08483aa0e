package io.tablestream.source.cdc;

import io.tablestream.source.PostgresSourceConfig;
import io.tablestream.source.TableSchema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.util.List;
import java.util.Map;

/**
 * The records {@code mode=cdc} makes of a row its snapshot read, built by the connector's own code, for a benchmark
 * reference that hands them to the converters and the producer without Connect (this class shares the connector's
 * package to reach it).
 */
public final class ReferenceRecords {

    private final TableSchema schema;
    private final String topic;
    private final RecordFormat format;

    public ReferenceRecords(PostgresSourceConfig config, TableSchema schema, String topic) {
        this.schema = schema;
        this.topic = topic;
        this.format = RecordFormat.of(new CdcConfig(config));
    }

    /** The record(s) of one row read by the snapshot at {@code lsn}, as the snapshot's reading thread builds them. */
    public List<SourceRecord> snapshotRead(Struct value, long lsn, Map<String, ?> partition, Map<String, ?> offset) {
        return new ChangeEvent(schema, topic, 'r', schema.key(value), null, value, lsn, 0, System.currentTimeMillis())
                .toRecords(partition, offset, format);
    }
}
