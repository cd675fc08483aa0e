package io.tablestream.source.cdc;

import io.tablestream.jdbc.Json;
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
 * @param run   the id of the signal whose snapshot this is; null for the snapshot of a table newly captured
 * @param oid   the pg_class oid of the table read (null: not known, as in offsets written before it was stored): a
 *              table dropped and created again under the same name has another oid, so this progress is not its
 */
record TableProgress(List<String> after, boolean done, String run, Long oid) {

    static final int VERSION = 1;
    static final String TABLE_PARTITION_KEY = "table";
    static final TableProgress START = new TableProgress(null, false, null, null);
    private static final String VERSION_KEY = "v";
    private static final String AFTER_KEY = "after";
    private static final String DONE_KEY = "done";
    private static final String RUN_KEY = "run";
    private static final String OID_KEY = "oid";

    TableProgress {
        after = after == null ? null : List.copyOf(after);
    }

    TableProgress(List<String> after, boolean done) {
        this(after, done, null, null);
    }

    /** This progress, for the snapshot the signal {@code run} asked for (null: none). */
    TableProgress inRun(String signal) {
        return new TableProgress(after, done, signal, oid);
    }

    /** This progress, of the table whose pg_class oid is {@code tableOid} (null: not known). */
    TableProgress ofTable(Long tableOid) {
        return new TableProgress(after, done, run, tableOid);
    }

    Map<String, Object> toMap() {
        Map<String, Object> map = new HashMap<>();
        map.put(VERSION_KEY, VERSION);
        if (after != null) {
            map.put(AFTER_KEY, Json.write(after)); // offsets hold primitives only
        }
        map.put(DONE_KEY, done);
        if (run != null) {
            map.put(RUN_KEY, run);
        }
        if (oid != null) {
            map.put(OID_KEY, oid);
        }
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
        Object run = map.get(RUN_KEY);
        Object oid = map.get(OID_KEY);
        if (!(map.get(DONE_KEY) instanceof Boolean done) || (after != null && !(after instanceof String text
                && text.startsWith("[") && text.endsWith("]"))) || (run != null && !(run instanceof String))
                || (oid != null && !(oid instanceof Long || oid instanceof Integer))) {
            throw new ConnectException("Snapshot progress offset must be {\"v\":1, \"after\":\"[<key column text"
                    + " as a JSON string>, ...]\" (optional), \"done\":<boolean>, \"run\":\"<signal id>\""
                    + " (optional), \"oid\":<the table's pg_class oid> (optional)}, got " + map);
        }
        return new TableProgress(after == null ? null : Json.parseStrings((String) after), done, (String) run,
                oid == null ? null : ((Number) oid).longValue());
    }
}
