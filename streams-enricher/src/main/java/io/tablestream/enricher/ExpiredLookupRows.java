package io.tablestream.enricher;

import io.tablestream.enricher.AwaitLookupRow.LookupUpdate;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the lookup rows the versioned lookup table drops. Its store (KIP-914) skips, with a warning that names
 * nothing, a write whose timestamp is older than its history retention behind the newest timestamp it has seen, of
 * any key. The rows of one key arrive in order, but the lookup topic's partitions are read independently: at a first
 * start, one partition's recent rows often reach the store before another partition's rows that have not changed for
 * hours, and those rows, the current versions of their keys, were lost, and the records pointing to them with them.
 * <p>
 * This processor sees each lookup row right after the table did. A row (or delete) so old that the store may have
 * dropped it, and that the store does not hold, is written again at the oldest timestamp the store surely takes
 * (or that of the version it supersedes, if later), and passed on as an update, so records waiting for it are
 * released. It is the newest version of its key: the rows of one key reach the table in order (one key, one
 * partition of the lookup topic), and their timestamps follow that order. Its exact time is past the history
 * anyway: records older than the history join the current row.
 */
final class ExpiredLookupRows implements Processor<String, SchemaAndValue, String, Object> {

    private static final Logger log = LoggerFactory.getLogger(ExpiredLookupRows.class);

    private final LookupSpec lookup;
    private final String storeName;
    private ProcessorContext<String, Object> context;
    private VersionedKeyValueStore<String, SchemaAndValue> rows;

    ExpiredLookupRows(LookupSpec lookup, String storeName) {
        this.lookup = lookup;
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.rows = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, SchemaAndValue> record) {
        long oldestTaken = context.currentStreamTimeMs() - lookup.historyRetentionMs();
        // The store's newest timestamp is at most the task's stream time, so it took a row within the history
        // behind that: no store read for the rows that nearly all are.
        if (record.timestamp() >= oldestTaken) {
            return;
        }
        VersionedRecord<SchemaAndValue> latest = rows.get(record.key());
        boolean taken = record.value() == null ? latest == null
                : latest != null && latest.timestamp() == record.timestamp();
        if (taken) {
            return;
        }
        // Replaces a version this processor wrote later than its own time, which this row supersedes.
        long timestamp = latest == null ? oldestTaken : Math.max(oldestTaken, latest.timestamp());
        log.debug("The row of '{}' with key {} at {} is older than {} ms behind the rows read before it: kept as "
                + "of {}", lookup.topic(), record.key(), record.timestamp(), lookup.historyRetentionMs(), timestamp);
        if (record.value() == null) {
            rows.delete(record.key(), timestamp);
        } else {
            rows.put(record.key(), record.value(), timestamp);
        }
        context.forward(record.withValue((Object) new LookupUpdate(record.value())).withTimestamp(timestamp));
    }
}
