package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Splits the operations of one {@code put} into per-table buffers, each flushed in chunks written in one transaction:
 * operations are grouped by target table in their original order, and a chunk ends at {@code batch.size} operations
 * or where the schema of the written rows changes (for schemaless maps: their entry names) or the set of columns
 * they leave unavailable does. Deletes need only the key, so they do not end a chunk.
 */
final class RecordChunker {

    /** Operations for one table that share their schemas, in Kafka order. */
    record Chunk(TableId table, List<SinkOp> ops) {
        /** A row-writing operation to derive the columns from, or the first delete when the chunk only deletes. */
        SinkRecord sample() {
            return ops.stream().filter(op -> !op.delete()).findFirst().orElse(ops.get(0)).row();
        }

        /** The value fields the chunk's rows do not carry (the same for every row-writing operation of it). */
        Set<String> unavailableColumns() {
            return ops.stream().filter(op -> !op.delete()).findFirst().map(SinkOp::unavailableColumns)
                    .orElse(Set.of());
        }

        boolean deletesOnly() {
            return ops.stream().allMatch(SinkOp::delete);
        }

        List<SinkRecord> originals() {
            return ops.stream().map(SinkOp::original).toList();
        }
    }

    private final Function<SinkRecord, TableId> tableFor;
    private final int batchSize;
    private final boolean keySchemaMatters;

    /** {@code keySchemaMatters}: the key feeds columns (pk.mode=record_key), so a key schema change ends a chunk too. */
    /** {@code tableFor}: the target table of a record as consumed. */
    RecordChunker(Function<SinkRecord, TableId> tableFor, int batchSize, boolean keySchemaMatters) {
        this.tableFor = tableFor;
        this.batchSize = batchSize;
        this.keySchemaMatters = keySchemaMatters;
    }

    /**
     * The chunks, written in the order given. Grouping by table reorders records of different tables; that is safe
     * only while each partition's records go to one table, as a chunk stores each partition's last offset in it:
     * had a partition's later records of table A been written before its earlier ones of table B, a failure of B's
     * chunk (or a crash) would leave an offset stored past records never written. A partition that feeds several
     * tables (a topic carrying several source tables, named by ${source.table}) makes the whole put chunked in
     * Kafka order, a chunk ending where the table changes.
     */
    List<Chunk> chunk(Collection<SinkOp> ops) {
        Map<TableId, List<SinkOp>> byTable = new LinkedHashMap<>();
        List<Map.Entry<TableId, List<SinkOp>>> inOrder = new ArrayList<>();
        Map<TopicPartition, TableId> tableOfPartition = new HashMap<>();
        boolean partitionFeedsSeveralTables = false;
        TableId lastTable = null;
        List<SinkOp> lastOps = null;
        SinkRecord previous = null;
        for (SinkOp op : ops) {
            TableId table = tableFor.apply(op.original());
            boolean tableChanged = table != lastTable;
            if (tableChanged) { // consecutive records nearly always share the table (and its instance)
                if (!table.equals(lastTable)) {
                    inOrder.add(Map.entry(table, new ArrayList<>()));
                }
                lastOps = byTable.computeIfAbsent(table, t -> new ArrayList<>());
                lastTable = table;
            }
            lastOps.add(op);
            inOrder.get(inOrder.size() - 1).getValue().add(op);
            // A run of records of one partition to one table tells nothing new: look only where either changes.
            if (!partitionFeedsSeveralTables && (tableChanged || !samePartition(previous, op.original()))) {
                TableId earlier = tableOfPartition.putIfAbsent(partition(op), table);
                partitionFeedsSeveralTables = earlier != null && !earlier.equals(table);
            }
            previous = op.original();
        }
        List<Chunk> chunks = new ArrayList<>();
        if (partitionFeedsSeveralTables) {
            inOrder.forEach(run -> split(run.getKey(), run.getValue(), chunks));
        } else {
            byTable.forEach((table, tableOps) -> split(table, tableOps, chunks));
        }
        return chunks;
    }

    private static boolean samePartition(SinkRecord a, SinkRecord b) {
        return a != null && a.kafkaPartition().equals(b.kafkaPartition()) && a.topic().equals(b.topic());
    }

    private static TopicPartition partition(SinkOp op) {
        return new TopicPartition(op.original().topic(), op.original().kafkaPartition());
    }

    private void split(TableId table, List<SinkOp> ops, List<Chunk> chunks) {
        int start = 0;
        Object valueShape = null;
        Set<String> unavailable = Set.of();
        for (int i = 0; i < ops.size(); i++) {
            SinkOp op = ops.get(i);
            boolean newSchema = !op.delete() && valueShape != null && (!Objects.equals(valueShape, valueShape(op.row()))
                    || !unavailable.equals(op.unavailableColumns()));
            boolean newKey = keySchemaMatters && i > start
                    && !Objects.equals(keyShape(ops.get(i - 1).row()), keyShape(op.row()));
            if (i - start == batchSize || newSchema || newKey) {
                chunks.add(new Chunk(table, List.copyOf(ops.subList(start, i))));
                start = i;
                valueShape = null;
            }
            if (!op.delete() && valueShape == null) {
                valueShape = valueShape(op.row());
                unavailable = op.unavailableColumns();
            }
        }
        if (start < ops.size()) {
            chunks.add(new Chunk(table, List.copyOf(ops.subList(start, ops.size()))));
        }
    }

    /** The value's schema, or for a schemaless map the names of its entries: what decides the written columns. */
    static Object valueShape(SinkRecord row) {
        return row.valueSchema() == null && row.value() instanceof Map<?, ?> map ? Set.copyOf(map.keySet())
                : row.valueSchema();
    }

    /** The key's schema, or for a schemaless map the names of its entries. */
    static Object keyShape(SinkRecord row) {
        return row.keySchema() == null && row.key() instanceof Map<?, ?> map ? Set.copyOf(map.keySet())
                : row.keySchema();
    }
}
