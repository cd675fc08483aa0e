package io.tablestream.sink;

import io.tablestream.jdbc.SqlErrors;
import io.tablestream.jdbc.TableId;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.sql.Types;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exactly-once ledger: the last offset written per (connector, topic, partition), updated in the transaction that
 * writes the rows, so the rows and the position they reflect commit or roll back together.
 */
final class OffsetStore {

    private final String connectorName;
    private final TableId table;
    private final String tableSql;

    /** {@code tableSql}: the table's name as quote.sql.identifiers writes it. */
    OffsetStore(String connectorName, TableId table, String tableSql) {
        this.connectorName = connectorName;
        this.table = table;
        this.tableSql = tableSql;
    }

    TableId table() {
        return table;
    }

    /**
     * Creates the table unless it is there. Looked up first: CREATE TABLE IF NOT EXISTS needs CREATE on the schema
     * even when the table exists, which a role given only the privileges on a table a DBA prepared lacks.
     */
    void ensureTable(Handle handle) {
        if (exists(handle)) {
            return;
        }
        try {
            handle.useTransaction(tx -> {
                tx.execute(PostgresSql.LOCK_TABLE_NAME, table.toString());
                tx.execute(createTableSql());
            });
        } catch (JdbiException e) {
            ConnectException error = WriteErrors.translate(e, "Failed to create the offsets table " + table + " ("
                    + PostgresSinkConfig.EXACTLY_ONCE_CONFIG + "=true)");
            if (!SqlErrors.INSUFFICIENT_PRIVILEGE.equals(WriteErrors.state(e))) {
                throw error;
            }
            throw new ConnectException(error.getMessage() + " To keep CREATE from the connector's role, create the "
                    + "table ahead (" + createTableSql() + ") and grant the role SELECT, INSERT, UPDATE on it.", e);
        }
    }

    private boolean exists(Handle handle) {
        return handle.createQuery(PostgresSql.TABLE_EXISTS).bind(0, table.schema()).bind(1, table.table())
                .mapTo(Boolean.class).one();
    }

    private String createTableSql() {
        return "CREATE TABLE IF NOT EXISTS " + tableSql + " (connector_name text NOT NULL, "
                + "topic text NOT NULL, kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, "
                + "updated_at timestamptz NOT NULL DEFAULT now(), "
                + "PRIMARY KEY (connector_name, topic, kafka_partition))";
    }

    /** The stored offsets of these partitions; partitions never written are absent. */
    Map<TopicPartition, Long> load(Handle handle, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> stored = new HashMap<>();
        handle.createQuery("SELECT topic, kafka_partition, kafka_offset FROM " + tableSql
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

    /**
     * Records these offsets as written; call inside the transaction that wrote their rows. {@code previous} is what
     * this task believes is stored (absent: no row): if another task has moved a partition on meanwhile (the new
     * owner after a rebalance, while this one still writes), the update matches no row and the transaction must not
     * commit, or both would write the same records. Throws a RetriableException then: the task re-reads the stored
     * offsets and skips what the other task wrote.
     */
    void save(Handle handle, Map<TopicPartition, Long> offsets, Map<TopicPartition, Long> previous) {
        if (offsets.isEmpty()) {
            return;
        }
        List<TopicPartition> order = List.copyOf(offsets.keySet());
        int[] counts;
        try (PreparedBatch batch = handle.prepareBatch("INSERT INTO " + tableSql + " AS o"
                + " (connector_name, topic, kafka_partition, kafka_offset) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (connector_name, topic, kafka_partition)"
                + " DO UPDATE SET kafka_offset = EXCLUDED.kafka_offset, updated_at = now()"
                + " WHERE o.kafka_offset IS NOT DISTINCT FROM ?")) {
            for (TopicPartition tp : order) {
                batch.bind(0, connectorName).bind(1, tp.topic()).bind(2, tp.partition()).bind(3, offsets.get(tp))
                        .bind(4, new JdbcArgument(previous.get(tp), Types.BIGINT)).add();
            }
            counts = batch.execute();
        }
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                TopicPartition tp = order.get(i);
                throw new RetriableException("Partition " + tp + " moved on in " + table + " since this task read "
                        + "offset " + previous.get(tp) + " (another task of connector '" + connectorName
                        + "' owns it now, or owned it meanwhile): not writing offsets up to " + offsets.get(tp)
                        + " again; re-reading the stored offsets");
            }
        }
    }
}
