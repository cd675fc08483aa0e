package io.tablestream.source;

import org.apache.kafka.connect.errors.ConnectException;

import java.util.HashMap;
import java.util.Map;

/**
 * Where polling of one table stands: the last incrementing value and/or timestamp (microseconds since the epoch, UTC)
 * whose rows have all been emitted. Stored by Connect as a versioned map so later versions can read older offsets.
 */
public record TableOffset(Long incrementing, Long timestampMicros) {

    static final int VERSION = 1;
    static final String VERSION_KEY = "v";
    static final String INCREMENTING_KEY = "inc";
    static final String TIMESTAMP_KEY = "ts_us";
    static final String TABLE_PARTITION_KEY = "table";

    public static final TableOffset START = new TableOffset(null, null);

    public boolean isStart() {
        return incrementing == null && timestampMicros == null;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new HashMap<>();
        map.put(VERSION_KEY, VERSION);
        if (incrementing != null) {
            map.put(INCREMENTING_KEY, incrementing);
        }
        if (timestampMicros != null) {
            map.put(TIMESTAMP_KEY, timestampMicros);
        }
        return map;
    }

    /** Reads a stored offset; null (nothing stored, or reset by the user) means start from the beginning. */
    public static TableOffset fromMap(Map<String, ?> map) {
        if (map == null) {
            return START;
        }
        Object version = map.get(VERSION_KEY);
        if (!(version instanceof Number n) || n.intValue() != VERSION) {
            throw new ConnectException("Unsupported source offset version " + version + " in " + map
                    + "; expected {\"v\":" + VERSION + ", \"inc\":<long>, \"ts_us\":<epoch microseconds>}");
        }
        return new TableOffset(asLong(map, INCREMENTING_KEY), asLong(map, TIMESTAMP_KEY));
    }

    private static Long asLong(Map<String, ?> map, String key) {
        Object value = map.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw new ConnectException("Source offset field '" + key + "' must be a whole number, got '" + value + "' in " + map);
    }

    /** The Connect source partition of a table. */
    public static Map<String, String> partition(io.tablestream.jdbc.TableId table) {
        return Map.of(TABLE_PARTITION_KEY, table.toString());
    }

    /**
     * Why a user's {@code PATCH /connectors/{name}/offsets} entry does not fit {@code mode}, or null when it does.
     * A null offset resets the partition (the next start reads from the beginning, or from timestamp.initial).
     */
    static String alterProblem(Mode mode, Map<String, ?> partition, Map<String, ?> offset) {
        return alterProblem(mode, mode == Mode.QUERY, partition, offset);
    }

    /** As {@link #alterProblem(Mode, Map, Map)}; {@code customQuery}: the connector reads its query, not tables. */
    static String alterProblem(Mode mode, boolean customQuery, Map<String, ?> partition, Map<String, ?> offset) {
        boolean query = customQuery || mode == Mode.QUERY;
        String partitionKey = query ? BulkQuerier.QUERY_PARTITION_KEY : TABLE_PARTITION_KEY;
        Object name = partition == null ? null : partition.get(partitionKey);
        if (!(name instanceof String s) || s.isBlank() || partition.size() != 1) {
            return "Source partition " + partition + " must be {\"" + partitionKey + "\": \""
                    + (query ? "<topic.prefix>" : "<schema>.<table>") + "\"}, e.g. "
                    + (query ? "{\"query\": \"orders_report\"}" : "{\"table\": \"public.orders\"}");
        }
        if (offset == null) {
            return null;
        }
        if (!mode.incremental()) {
            return "mode=" + mode.configValue() + " keeps no offsets; only null (reset) is accepted for " + partition;
        }
        TableOffset parsed;
        try {
            parsed = fromMap(offset);
        } catch (ConnectException e) {
            return e.getMessage();
        }
        String expected = "{\"v\":" + VERSION + (mode.usesIncrementing() ? ", \"inc\":<long>" : "")
                + (mode.usesTimestamp() ? ", \"ts_us\":<epoch microseconds>" : "") + "}";
        if (mode.usesIncrementing() != (parsed.incrementing() != null) || mode.usesTimestamp() != (parsed.timestampMicros() != null)) {
            return "Offset " + offset + " for " + partition + " does not fit mode=" + mode.configValue() + "; expected " + expected;
        }
        return null;
    }
}
