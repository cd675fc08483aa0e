package io.tablestream.source.cdc;

import io.tablestream.jdbc.Json;
import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Signals inserted into the signal table ({@code signal.data.collection}, columns {@code id}, {@code type},
 * {@code data}), seen through the stream in commit order, with Debezium's payloads:
 * <ul>
 *   <li>{@code execute-snapshot}: {@code {"data-collections": ["schema.table", ...], "type": "incremental",
 *       "additional-conditions": [{"data-collection": "schema.table", "filter": "<SQL condition>"}]}}</li>
 *   <li>{@code stop-snapshot}: {@code {"data-collections": [...], "type": "incremental"}} (no list: all)</li>
 *   <li>{@code pause-snapshot}, {@code resume-snapshot}: no data</li>
 * </ul>
 * A signal that cannot be applied is logged, naming it, and skipped: it never fails the task.
 */
final class SnapshotSignals {

    private static final Logger log = LoggerFactory.getLogger(SnapshotSignals.class);

    static final String EXECUTE = "execute-snapshot";
    static final String STOP = "stop-snapshot";
    static final String PAUSE = "pause-snapshot";
    static final String RESUME = "resume-snapshot";

    private final TableId signalTable;
    private final String signalTopic;
    private final Set<TableId> captured;

    SnapshotSignals(TableId signalTable, String signalTopic, List<TableId> captured) {
        this.signalTable = signalTable;
        this.signalTopic = signalTopic;
        this.captured = Set.copyOf(captured);
    }

    /** Whether the record is a row of the signal table: never sent to Kafka. */
    boolean isSignal(SourceRecord record) {
        return signalTopic.equals(record.topic());
    }

    /** Applies a signal table record (inserts only; updates and deletes of signals mean nothing) to the snapshot. */
    void apply(SourceRecord record, IncrementalSnapshot snapshot) {
        Header op = record.headers().lastWithName(ChangeEvent.OP_HEADER);
        if (op == null || !"c".equals(op.value()) || !(record.value() instanceof Struct value)) {
            return;
        }
        Struct row = value.schema().field("after") != null && value.schema().field("source") != null
                ? value.getStruct("after") : value;
        String id = text(row, "id");
        String type = text(row, "type");
        String data = text(row, "data");
        try {
            switch (type == null ? "" : type) {
                case EXECUTE -> execute(id, data, snapshot);
                case STOP -> {
                    List<TableId> tables = data == null || data.isBlank() ? List.of() : tables(payload(data));
                    snapshot.stop(tables);
                    log.info("Signal {} ({}): stopped the incremental snapshot of {}", id, type,
                            tables.isEmpty() ? "every table" : tables);
                }
                case PAUSE -> {
                    snapshot.pause();
                    log.info("Signal {} ({}): incremental snapshot paused", id, type);
                }
                case RESUME -> {
                    snapshot.resume();
                    log.info("Signal {} ({}): incremental snapshot resumed", id, type);
                }
                default -> throw new IllegalArgumentException("type must be one of " + EXECUTE + ", " + STOP + ", "
                        + PAUSE + ", " + RESUME);
            }
        } catch (IllegalArgumentException | ClassCastException e) {
            log.warn("Signal {} (type {}, data {}) in {} ignored: {}", id, type, data, signalTable, e.getMessage());
        }
    }

    private void execute(String id, String data, IncrementalSnapshot snapshot) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("its id is empty; each signal needs its own id");
        }
        Map<String, Object> payload = payload(data);
        Object type = payload.getOrDefault("type", "incremental");
        if (!"incremental".equalsIgnoreCase(String.valueOf(type))) {
            throw new IllegalArgumentException("\"type\": \"" + type + "\" is not supported; use \"incremental\"");
        }
        List<TableId> tables = tables(payload);
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("\"data-collections\" lists no table");
        }
        Map<TableId, String> filters = new LinkedHashMap<>();
        Object conditions = payload.get("additional-conditions");
        if (conditions != null) {
            for (Object condition : (List<?>) conditions) {
                Map<?, ?> entry = (Map<?, ?>) condition;
                TableId table = captured(String.valueOf(entry.get("data-collection")));
                if (!tables.contains(table)) {
                    throw new IllegalArgumentException("additional condition for " + table + ", which"
                            + " \"data-collections\" does not list");
                }
                if (!(entry.get("filter") instanceof String filter) || filter.isBlank()) {
                    throw new IllegalArgumentException("the additional condition for " + table + " has no \"filter\"");
                }
                filters.put(table, filter);
            }
        }
        snapshot.execute(id, tables, filters);
        log.info("Signal {} ({}): incremental snapshot of {}{}", id, EXECUTE, tables,
                filters.isEmpty() ? "" : " where " + filters);
    }

    private List<TableId> tables(Map<String, Object> payload) {
        Object listed = payload.get("data-collections");
        if (listed == null) {
            return List.of();
        }
        List<TableId> tables = new ArrayList<>();
        for (Object name : (List<?>) listed) {
            tables.add(captured(String.valueOf(name)));
        }
        return tables;
    }

    private TableId captured(String name) {
        TableId table = TableId.parse(name);
        if (!captured.contains(table)) {
            throw new IllegalArgumentException("table " + name + " is not captured by this connector (captured: "
                    + captured + ")");
        }
        return table;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> payload(String data) {
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("its data is empty");
        }
        Object parsed = Json.parse(data);
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("its data must be a JSON object");
        }
        return (Map<String, Object>) map;
    }

    private static String text(Struct row, String field) {
        if (row.schema().field(field) == null) {
            return null;
        }
        Object value = row.get(field);
        return value == null ? null : value.toString();
    }
}
