package io.tablestream.source;

import org.apache.kafka.connect.errors.ConnectException;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
    /** How far ahead of UTC a stored wall-clock stamp can be (a timestamp column of a zone east of UTC), and more. */
    private static final Duration MAX_AHEAD = Duration.ofDays(1);

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
        if (value instanceof Number n && isWhole(n)) {
            return n.longValue();
        }
        throw new ConnectException("Source offset field '" + key + "' must be a whole number, got '" + value + "' in " + map);
    }

    /** Whether a number (as a JSON parser gives it) is a whole number that fits a long: no silent rounding. */
    private static boolean isWhole(Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return true;
        }
        try {
            new java.math.BigDecimal(n.toString()).longValueExact();
            return true;
        } catch (ArithmeticException | NumberFormatException e) {
            return false;
        }
    }

    private static String describeMicros(long micros) {
        long seconds = Math.floorDiv(micros, 1_000_000L);
        if (seconds > Instant.MAX.getEpochSecond()) {
            return "after the year 1000000000";
        }
        return Instant.ofEpochSecond(seconds, Math.floorMod(micros, 1_000_000L) * 1_000L).toString();
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
        // A table's partition always names its schema: "orders" would be stored beside public.orders, unread.
        if (!(name instanceof String s) || s.isBlank() || partition.size() != 1 || (!query && !s.contains("."))) {
            return "Source partition " + partition + " must be {\"" + partitionKey + "\": \""
                    + (query ? "<topic.prefix>" : "<schema>.<table>") + "\"}, e.g. "
                    + (query ? "{\"query\": \"orders_report\"}" : "{\"table\": \"public.orders\"}")
                    + (!query && name instanceof String bare && !bare.isBlank() && !bare.contains(".")
                    ? " (for a table of schema public: {\"table\": \"public." + bare + "\"})" : "");
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
        Long stamp = parsed.timestampMicros();
        long latestMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().plus(MAX_AHEAD));
        if (stamp != null && stamp > latestMicros) {
            // Rows are read only once their stamp has passed, so an offset in the future skips every row until then.
            return "Offset " + offset + " for " + partition + ": " + TIMESTAMP_KEY + " " + stamp + " is "
                    + describeMicros(stamp) + ", in the future, so every row stamped before it would be skipped; "
                    + TIMESTAMP_KEY + " counts microseconds since 1970-01-01 UTC (e.g. 1700000000123456 is "
                    + describeMicros(1_700_000_000_123_456L) + "), not milliseconds or nanoseconds";
        }
        return null;
    }
}
