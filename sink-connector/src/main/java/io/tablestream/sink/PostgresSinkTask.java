package io.tablestream.sink;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.Version;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes each {@code put} synchronously, one transaction per chunk of at most {@code batch.size} records of one table
 * and schema. Connect commits offsets only after {@code put} returns, so delivery is at least once; upsert makes
 * replays idempotent.
 */
public class PostgresSinkTask extends SinkTask {

    private PostgresSinkConfig config;
    private Jdbi jdbi;
    private RecordChunker chunker;
    private TableWriter writer;
    private WritePlans plans;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new PostgresSinkConfig(props);
        jdbi = ConnectionConfig.jdbi(config);
        TableNameFormat tables = new TableNameFormat(config.tableNameFormat());
        chunker = new RecordChunker(tables::tableFor, config.batchSize(), config.pkMode() == PkMode.RECORD_KEY);
        writer = new TableWriter(config.autoCreate());
        plans = new WritePlans(config, writer);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        List<RecordChunker.Chunk> chunks = chunker.chunk(records);
        if (chunks.isEmpty()) {
            return;
        }
        try {
            jdbi.useHandle(handle -> {
                for (RecordChunker.Chunk chunk : chunks) {
                    writer.write(handle, plans.planFor(handle, chunk), chunk.records());
                }
            });
        } catch (RetriableException e) {
            throw backOff(e);
        } catch (JdbiException e) { // opening or closing the connection
            throw backOff(WriteErrors.translate(e, "Failed to use the database for "
                    + Records.offsetRanges(new ArrayList<>(records))));
        }
    }

    /** Makes Connect wait connection.backoff.ms before redelivering after a transient failure. */
    private ConnectException backOff(ConnectException e) {
        if (e instanceof RetriableException && context != null) {
            context.timeout(config.retryBackoffMs());
        }
        return e;
    }

    @Override
    public void stop() {
        if (plans != null) {
            plans.clear();
        }
    }
}
