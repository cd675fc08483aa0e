package io.tablestream.source.cdc;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How far the incremental snapshot of one table has been read, stored as the Connect source offset of the partition
 * {@code {"slot": <slot.name>, "table": "<schema>.<table>"}}. Each chunk's records carry the progress before the
 * chunk, its last record the progress after it, so a restart reads again at most the one chunk that was partly in
 * Kafka.
 *
 * @param after the last key read, as PostgreSQL prints each key column (stored as a JSON array in a string) (for a table without a key: the first page
 *              not read yet); null: nothing read yet
 * @param done  whether the table has been read to its end
 */
record TableProgress(List<String> after, boolean done) {

    static final int VERSION = 1;
    static final String TABLE_PARTITION_KEY = "table";
    static final TableProgress START = new TableProgress(null, false);
    private static final String VERSION_KEY = "v";
    private static final String AFTER_KEY = "after";
    private static final String DONE_KEY = "done";

    TableProgress {
        after = after == null ? null : List.copyOf(after);
    }

    Map<String, Object> toMap() {
        Map<String, Object> map = new HashMap<>();
        map.put(VERSION_KEY, VERSION);
        if (after != null) {
            map.put(AFTER_KEY, JsonStrings.write(after)); // offsets hold primitives only
        }
        map.put(DONE_KEY, done);
        return map;
    }

    /** The stored progress, or null when the table has none. */
    static TableProgress fromMap(Map<String, ?> map) {
        if (map == null || map.isEmpty()) {
            return null;
        }
        Object version = map.get(VERSION_KEY);
        if (!(version instanceof Number n) || n.intValue() != VERSION) {
            throw new ConnectException("Snapshot progress offset has version " + version + ", this connector reads"
                    + " version " + VERSION + ": " + map);
        }
        Object after = map.get(AFTER_KEY);
        if (!(map.get(DONE_KEY) instanceof Boolean done) || (after != null && !(after instanceof String text
                && text.startsWith("[") && text.endsWith("]")))) {
            throw new ConnectException("Snapshot progress offset must be {\"v\":1, \"after\":\"[<key column text"
                    + " as a JSON string>, ...]\" (optional), \"done\":<boolean>}, got " + map);
        }
        return new TableProgress(after == null ? null : JsonStrings.read((String) after), done);
    }

    static Map<String, String> partition(String slotName, TableId table) {
        return Map.of(CdcOffset.SLOT_PARTITION_KEY, slotName, TABLE_PARTITION_KEY, table.toString());
    }
}
