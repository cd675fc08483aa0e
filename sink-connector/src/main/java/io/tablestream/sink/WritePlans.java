package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The write plans of a task, one per (table, key schema, value schema), least recently used dropped beyond
 * {@link #MAX_PLANS}. A new plan first makes sure its table exists, so that happens once per table and schema.
 */
final class WritePlans {

    private static final Logger log = LoggerFactory.getLogger(WritePlans.class);

    static final int MAX_PLANS = 1000;

    private record Key(TableId table, Schema keySchema, Schema valueSchema, boolean deletesOnly) {
    }

    private final PostgresSinkConfig config;
    private final TableWriter writer;
    private final Map<Key, WritePlan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, WritePlan> eldest) {
            return size() > MAX_PLANS;
        }
    };

    WritePlans(PostgresSinkConfig config, TableWriter writer) {
        this.config = config;
        this.writer = writer;
    }

    WritePlan planFor(Handle handle, RecordChunker.Chunk chunk) {
        SinkRecord sample = chunk.sample();
        boolean deletesOnly = chunk.deletesOnly();
        Schema keySchema = config.pkMode() == PkMode.RECORD_KEY ? sample.keySchema() : null;
        Key key = new Key(chunk.table(), keySchema, deletesOnly ? null : sample.valueSchema(), deletesOnly);
        WritePlan plan = plans.get(key);
        if (plan == null) {
            plan = WritePlan.create(config, chunk.table(), sample, deletesOnly);
            writer.ensureTable(handle, plan, chunk.originals());
            plans.put(key, plan);
            // Column names only: never values.
            log.info("Writing topic {} to table {} ({} {}, columns {})", sample.topic(), plan.table(),
                    deletesOnly ? "deletes" : plan.mode(), writer.method(),
                    plan.columns().stream().map(SinkColumn::name).toList());
        }
        return plan;
    }

    void clear() {
        plans.clear();
    }
}
