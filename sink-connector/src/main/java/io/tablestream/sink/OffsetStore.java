package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The exactly-once ledger: the last offset written per (connector, topic, partition), updated in the transaction that
 * writes the rows, so the rows and the position they reflect commit or roll back together.
 */
final class OffsetStore {

    private final String connectorName;
    private final TableId table;

    OffsetStore(String connectorName, TableId table) {
        this.connectorName = connectorName;
        this.table = table;
    }

    TableId table() {
        return table;
    }

    void ensureTable(Handle handle) {
        // CREATE TABLE IF NOT EXISTS fails with a unique violation on pg_type when two tasks create the table at
        // the same moment: a transaction-scoped advisory lock on the table's name makes them take turns.
        handle.useTransaction(tx -> {
            tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", table.toString());
            tx.execute("CREATE TABLE IF NOT EXISTS " + table.quoted() + " (connector_name text NOT NULL, "
                    + "topic text NOT NULL, kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, "
                    + "updated_at timestamptz NOT NULL DEFAULT now(), "
                    + "PRIMARY KEY (connector_name, topic, kafka_partition))");
        });
    }

    /** The stored offsets of these partitions; partitions never written are absent. */
    Map<TopicPartition, Long> load(Handle handle, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> stored = new HashMap<>();
        handle.createQuery("SELECT topic, kafka_partition, kafka_offset FROM " + table.quoted()
                        + " WHERE connector_name = ?")
                .bind(0, connectorName)
                .map((rs, ctx) -> Map.entry(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3)))
                .forEach(e -> {
                    if (partitions.contains(e.getKey())) {
                        stored.put(e.getKey(), e.getValue());
                    }
                });
        return stored;
    }

    /** Records these offsets as written; call inside the transaction that wrote their rows. */
    void save(Handle handle, Map<TopicPartition, Long> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try (PreparedBatch batch = handle.prepareBatch("INSERT INTO " + table.quoted()
                + " (connector_name, topic, kafka_partition, kafka_offset) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (connector_name, topic, kafka_partition)"
                + " DO UPDATE SET kafka_offset = EXCLUDED.kafka_offset, updated_at = now()")) {
            offsets.forEach((tp, offset) -> batch.bind(0, connectorName).bind(1, tp.topic())
                    .bind(2, tp.partition()).bind(3, offset).add());
            batch.execute();
        }
    }
}
