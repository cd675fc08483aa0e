package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Splits the records of one {@code put} into chunks, each written in one transaction: records are grouped by target
 * table in their original order, and a chunk ends at {@code batch.size} records or where the schema changes.
 */
final class RecordChunker {

    private static final Logger log = LoggerFactory.getLogger(RecordChunker.class);

    /** Records for one table that share their schemas, in Kafka order. */
    record Chunk(TableId table, List<SinkRecord> records) {
        SinkRecord first() {
            return records.get(0);
        }
    }

    private final Function<String, TableId> tableForTopic;
    private final int batchSize;
    private final boolean keySchemaMatters;

    /** {@code keySchemaMatters}: the key feeds columns (pk.mode=record_key), so a key schema change ends a chunk too. */
    RecordChunker(Function<String, TableId> tableForTopic, int batchSize, boolean keySchemaMatters) {
        this.tableForTopic = tableForTopic;
        this.batchSize = batchSize;
        this.keySchemaMatters = keySchemaMatters;
    }

    List<Chunk> chunk(Collection<SinkRecord> records) {
        Map<TableId, List<SinkRecord>> byTable = new LinkedHashMap<>();
        for (SinkRecord record : records) {
            if (record.value() == null) {
                log.debug("Skipping the tombstone at {}: deletes are not supported yet", Records.position(record));
                continue;
            }
            Records.requireStructValue(record);
            byTable.computeIfAbsent(tableForTopic.apply(record.topic()), t -> new ArrayList<>()).add(record);
        }
        List<Chunk> chunks = new ArrayList<>();
        byTable.forEach((table, tableRecords) -> split(table, tableRecords, chunks));
        return chunks;
    }

    private void split(TableId table, List<SinkRecord> records, List<Chunk> chunks) {
        int start = 0;
        for (int i = 1; i <= records.size(); i++) {
            if (i == records.size() || i - start == batchSize || !sameSchemas(records.get(i - 1), records.get(i))) {
                chunks.add(new Chunk(table, List.copyOf(records.subList(start, i))));
                start = i;
            }
        }
    }

    private boolean sameSchemas(SinkRecord a, SinkRecord b) {
        return Objects.equals(a.valueSchema(), b.valueSchema())
                && (!keySchemaMatters || Objects.equals(a.keySchema(), b.keySchema()));
    }
}
