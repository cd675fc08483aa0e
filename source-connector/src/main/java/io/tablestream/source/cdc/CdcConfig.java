package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConfigEnum;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/** The settings of {@code mode=cdc}, named as in Debezium's PostgreSQL connector where the meaning is the same. */
public final class CdcConfig {

    public static final String GROUP = "Change data capture (mode=cdc)";

    public static final String PUBLICATION_NAME_CONFIG = "publication.name";
    private static final String PUBLICATION_NAME_DOC = "PostgreSQL publication the slot streams (pgoutput)."
            + " Unset: named like slot.name, so connectors with their own slots never share a publication.";
    public static final String PUBLICATION_AUTOCREATE_MODE_CONFIG = "publication.autocreate.mode";
    private static final String PUBLICATION_AUTOCREATE_MODE_DOC = "filtered: create the publication for the captured"
            + " tables, or add those it lacks (tables are never removed from it: another connector may stream"
            + " them); all_tables: create it FOR ALL TABLES (needs a superuser); disabled: the publication must exist.";
    public static final String SLOT_NAME_CONFIG = "slot.name";
    private static final String SLOT_NAME_DOC =
            "Logical replication slot; created with an exported snapshot on first start. One connector per slot.";
    public static final String SLOT_DROP_ON_STOP_CONFIG = "slot.drop.on.stop";
    private static final String SLOT_DROP_ON_STOP_DOC = "Drop the slot when the task stops: for throwaway setups"
            + " only, changes made while the connector is down are then lost.";
    public static final String SNAPSHOT_MODE_CONFIG = "snapshot.mode";
    private static final String SNAPSHOT_MODE_DOC = "incremental: stream at once and copy the tables in chunks beside"
            + " the stream, resuming at the next chunk after a restart; tables captured later (include list,"
            + " patterns) are copied too. initial: copy the tables once, in the snapshot the slot was created at (one"
            + " point in time; a restart before it ends starts it over on a new slot), then stream; never: stream"
            + " only; initial_only: copy the tables as initial does and stop.";
    public static final String CHUNK_SIZE_CONFIG = "incremental.snapshot.chunk.size";
    private static final String CHUNK_SIZE_DOC = "snapshot.mode=incremental: rows per chunk. A chunk is read in one"
            + " short transaction and held in memory until the stream has passed it; a restart reads at most"
            + " snapshot.max.threads chunks per table again.";
    public static final String SNAPSHOT_MAX_THREADS_CONFIG = "snapshot.max.threads";
    private static final String SNAPSHOT_MAX_THREADS_DOC = "snapshot.mode=incremental: chunks of one table read at"
            + " once, each through its own connection; even one thread reads the next chunks while the task thread"
            + " hands the previous ones to Connect. More threads help only when reading from PostgreSQL, not Connect's"
            + " converter and producer on the task thread, limits the snapshot; each holds one more connection and"
            + " one more chunk in memory.";
    public static final String SIGNAL_DATA_COLLECTION_CONFIG = "signal.data.collection";
    private static final String SIGNAL_DATA_COLLECTION_DOC = "Table (schema.table, columns id text, type text, data"
            + " text) whose inserts are signals: execute-snapshot, stop-snapshot, pause-snapshot, resume-snapshot,"
            + " with Debezium's payloads in data. Read through the stream (added to the publication), never sent to a"
            + " topic. Empty: no signals.";
    public static final String ENVELOPE_CONFIG = "envelope";
    private static final String ENVELOPE_DOC = "flat: the value is the row after the change (the query modes'"
            + " schema), the change metadata is in headers; debezium: the value is {before, after, op, source, ts_ms}.";
    public static final String HEARTBEAT_INTERVAL_MS_CONFIG = "heartbeat.interval.ms";
    private static final String HEARTBEAT_INTERVAL_MS_DOC = "When every record sent has been acknowledged, confirm"
            + " the server's latest WAL position to the slot this often, so WAL of other tables or databases does"
            + " not pile up while the captured tables are idle. 0 disables.";
    public static final String BATCH_MAX_WAIT_MS_CONFIG = "batch.max.wait.ms";
    private static final String BATCH_MAX_WAIT_MS_DOC = "Streaming: a poll returns its records once the first of"
            + " them has waited this long for the batch to fill (or batch.max.rows is reached, or nothing more is"
            + " pending), so a large batch.max.rows keeps throughput without adding latency under a steady stream of"
            + " small commits. 0 returns each change's records at once.";

    public static final String SKIPPED_OPERATIONS_CONFIG = "skipped.operations";
    private static final String SKIPPED_OPERATIONS_DOC = "Changes not to emit: any of c (insert), u (update), d (delete),"
            + " t (truncate), or none. Truncates are skipped by default, as in Debezium: their record has no key, which"
            + " a compacted topic rejects.";

    public static final String DELETE_HANDLING_MODE_CONFIG = "delete.handling.mode";
    private static final String DELETE_HANDLING_MODE_DOC = "envelope=flat: what a delete becomes. tombstone: one"
            + " record with the key, a null value and the change headers (op=d); rewrite: the last known row (the"
            + " whole old row with REPLICA IDENTITY FULL, else the key with the other fields null) with field"
            + " __deleted=\"true\"; every other record gets __deleted=\"false\" and all non-key fields become"
            + " optional, so the schema stays the same; none: deletes are not emitted (as skipped.operations=d).";
    public static final String TOMBSTONES_ON_DELETE_CONFIG = "tombstones.on.delete";
    private static final String TOMBSTONES_ON_DELETE_DOC = "envelope=debezium, or delete.handling.mode=rewrite:"
            + " follow each delete record with a tombstone (the key, a null value), so a compacted topic drops the"
            + " key. With delete.handling.mode=tombstone the delete record is itself the tombstone.";

    public static final String UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG = "unavailable.value.placeholder";
    private static final String UNAVAILABLE_VALUE_PLACEHOLDER_DOC = "A large (TOASTed) value an update left"
            + " unchanged is not in the WAL unless the table has REPLICA IDENTITY FULL: its field is then null and"
            + " the header unavailable.columns names it. Set this to put the given text into such text fields (its"
            + " UTF-8 bytes into bytea fields) instead, for consumers that cannot read headers; fields of other"
            + " types stay null. Empty: off.";

    public static final String SLOT_LOST_ACTION_CONFIG = "slot.lost.action";
    private static final String SLOT_LOST_ACTION_DOC = "What the task does when the stored offset says it has"
            + " streamed before but the slot is gone (dropped, or invalidated by the server, e.g. for"
            + " max_slot_wal_keep_size), so the changes since that offset can no longer be read. fail: the task"
            + " fails naming the slot; resnapshot: re-create the slot and read the initial snapshot again.";
    public static final String SLOT_FAILOVER_CONFIG = "slot.failover";
    private static final String SLOT_FAILOVER_DOC = "Create the slot with failover=true (PostgreSQL 17+), so it is"
            + " synchronized to physical standbys and survives a failover.";

    private final AbstractConfig config;

    public CdcConfig(AbstractConfig config) {
        this.config = config;
        String problem = deleteHandlingProblem(envelope(), deleteHandlingMode());
        if (problem != null) {
            throw new ConfigException(DELETE_HANDLING_MODE_CONFIG, config.getString(DELETE_HANDLING_MODE_CONFIG),
                    problem);
        }
    }

    /** Adds the CDC settings to the source connector's {@link ConfigDef}. */
    public static ConfigDef define(ConfigDef def) {
        int order = 0;
        def.define(PUBLICATION_NAME_CONFIG, Type.STRING, null, new ConfigDef.NonEmptyString(),
                Importance.MEDIUM, PUBLICATION_NAME_DOC, GROUP, ++order, Width.MEDIUM, "Publication");
        ConfigEnum.define(def, PUBLICATION_AUTOCREATE_MODE_CONFIG, PublicationAutocreateMode.class,
                PublicationAutocreateMode.FILTERED, Importance.LOW, PUBLICATION_AUTOCREATE_MODE_DOC, GROUP, ++order,
                Width.SHORT, "Publication auto-create");
        def.define(SLOT_NAME_CONFIG, Type.STRING, "tablestream", new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM, SLOT_NAME_DOC, GROUP, ++order, Width.MEDIUM, "Replication slot")
                .define(SLOT_DROP_ON_STOP_CONFIG, Type.BOOLEAN, false, Importance.LOW, SLOT_DROP_ON_STOP_DOC,
                        GROUP, ++order, Width.SHORT, "Drop slot on stop");
        ConfigEnum.define(def, SLOT_LOST_ACTION_CONFIG, SlotLostAction.class, SlotLostAction.FAIL, Importance.MEDIUM,
                SLOT_LOST_ACTION_DOC, GROUP, ++order, Width.SHORT, "Slot lost action");
        def.define(SLOT_FAILOVER_CONFIG, Type.BOOLEAN, false, Importance.LOW, SLOT_FAILOVER_DOC,
                GROUP, ++order, Width.SHORT, "Failover slot");
        ConfigEnum.define(def, SNAPSHOT_MODE_CONFIG, SnapshotMode.class, SnapshotMode.INCREMENTAL, Importance.MEDIUM,
                SNAPSHOT_MODE_DOC, GROUP, ++order, Width.SHORT, "Snapshot mode");
        def.define(CHUNK_SIZE_CONFIG, Type.INT, 1024, ConfigDef.Range.between(1, 1_000_000), Importance.LOW,
                        CHUNK_SIZE_DOC, GROUP, ++order, Width.SHORT, "Incremental snapshot chunk size")
                .define(SNAPSHOT_MAX_THREADS_CONFIG, Type.INT, 1, ConfigDef.Range.between(1, 64), Importance.LOW,
                        SNAPSHOT_MAX_THREADS_DOC, GROUP, ++order, Width.SHORT, "Snapshot threads")
                .define(SIGNAL_DATA_COLLECTION_CONFIG, Type.STRING, "", Importance.LOW, SIGNAL_DATA_COLLECTION_DOC,
                        GROUP, ++order, Width.MEDIUM, "Signal table");
        ConfigEnum.define(def, ENVELOPE_CONFIG, Envelope.class, Envelope.FLAT, Importance.MEDIUM, ENVELOPE_DOC, GROUP,
                ++order, Width.SHORT, "Envelope");
        def.define(HEARTBEAT_INTERVAL_MS_CONFIG, Type.LONG, 10_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        HEARTBEAT_INTERVAL_MS_DOC, GROUP, ++order, Width.SHORT, "Heartbeat interval (ms)")
                .define(BATCH_MAX_WAIT_MS_CONFIG, Type.LONG, 5L, ConfigDef.Range.between(0, 60_000), Importance.LOW,
                        BATCH_MAX_WAIT_MS_DOC, GROUP, ++order, Width.SHORT, "Batch max wait (ms)")
                .define(SKIPPED_OPERATIONS_CONFIG, Type.LIST, "t", ConfigDef.ValidList.in(false, "c", "u", "d", "t", "none"),
                        Importance.LOW, SKIPPED_OPERATIONS_DOC, GROUP, ++order, Width.SHORT, "Skipped operations");
        ConfigEnum.define(def, DELETE_HANDLING_MODE_CONFIG, DeleteHandlingMode.class, DeleteHandlingMode.TOMBSTONE,
                Importance.MEDIUM, DELETE_HANDLING_MODE_DOC, GROUP, ++order, Width.SHORT, "Delete handling");
        return def
                .define(UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG, Type.STRING, null, Importance.LOW,
                        UNAVAILABLE_VALUE_PLACEHOLDER_DOC, GROUP, ++order, Width.MEDIUM, "Unavailable value placeholder")
                .define(TOMBSTONES_ON_DELETE_CONFIG, Type.BOOLEAN, true, Importance.LOW, TOMBSTONES_ON_DELETE_DOC,
                        GROUP, ++order, Width.SHORT, "Tombstones on delete");
    }

    public String publicationName() {
        return publicationName(config.getString(PUBLICATION_NAME_CONFIG), slotName());
    }

    /** The publication's name: as set, else the slot's. */
    public static String publicationName(Object configured, Object slotName) {
        return configured == null ? String.valueOf(slotName) : configured.toString();
    }

    public PublicationAutocreateMode publicationAutocreateMode() {
        return ConfigEnum.parse(PublicationAutocreateMode.class, config.getString(PUBLICATION_AUTOCREATE_MODE_CONFIG));
    }

    public String slotName() {
        return config.getString(SLOT_NAME_CONFIG);
    }

    public boolean dropSlotOnStop() {
        return config.getBoolean(SLOT_DROP_ON_STOP_CONFIG);
    }

    public SlotLostAction slotLostAction() {
        return ConfigEnum.parse(SlotLostAction.class, config.getString(SLOT_LOST_ACTION_CONFIG));
    }

    public boolean slotFailover() {
        return config.getBoolean(SLOT_FAILOVER_CONFIG);
    }

    public SnapshotMode snapshotMode() {
        return ConfigEnum.parse(SnapshotMode.class, config.getString(SNAPSHOT_MODE_CONFIG));
    }

    /** The signal table, null when none is set. */
    public io.tablestream.jdbc.TableId signalTable() {
        String table = config.getString(SIGNAL_DATA_COLLECTION_CONFIG);
        return table == null || table.isBlank() ? null : io.tablestream.jdbc.TableId.parse(table);
    }

    public int chunkSize() {
        return config.getInt(CHUNK_SIZE_CONFIG);
    }

    public int snapshotMaxThreads() {
        return config.getInt(SNAPSHOT_MAX_THREADS_CONFIG);
    }

    public Envelope envelope() {
        return ConfigEnum.parse(Envelope.class, config.getString(ENVELOPE_CONFIG));
    }

    /** The operation letters (c, u, d, t) not to emit; d also with delete.handling.mode=none. */
    public java.util.Set<Character> skippedOperations() {
        return java.util.stream.Stream.concat(config.getList(SKIPPED_OPERATIONS_CONFIG).stream(),
                        deleteHandlingMode() == DeleteHandlingMode.NONE ? java.util.stream.Stream.of("d")
                                : java.util.stream.Stream.empty())
                .filter(op -> !op.equals("none"))
                .map(op -> op.charAt(0)).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    public DeleteHandlingMode deleteHandlingMode() {
        return ConfigEnum.parse(DeleteHandlingMode.class, config.getString(DELETE_HANDLING_MODE_CONFIG));
    }

    /** The placeholder for unavailable values, null when off. */
    public String unavailableValuePlaceholder() {
        String placeholder = config.getString(UNAVAILABLE_VALUE_PLACEHOLDER_CONFIG);
        return placeholder == null || placeholder.isEmpty() ? null : placeholder;
    }

    public boolean tombstonesOnDelete() {
        return config.getBoolean(TOMBSTONES_ON_DELETE_CONFIG);
    }

    /**
     * Why the CDC settings contradict each other, or null: delete.handling.mode shapes flat records only; the
     * Debezium envelope carries deletes as op=d envelopes, as Debezium does.
     */
    public static String deleteHandlingProblem(Envelope envelope, DeleteHandlingMode deleteHandlingMode) {
        if (envelope == Envelope.DEBEZIUM && deleteHandlingMode != DeleteHandlingMode.TOMBSTONE) {
            return DELETE_HANDLING_MODE_CONFIG + "=" + deleteHandlingMode.configValue() + " applies to envelope=flat only; with"
                    + " envelope=debezium a delete is an op=d envelope (followed by a tombstone unless "
                    + TOMBSTONES_ON_DELETE_CONFIG + "=false): remove " + DELETE_HANDLING_MODE_CONFIG
                    + " or set envelope=flat";
        }
        return null;
    }

    public long batchMaxWaitMs() {
        return config.getLong(BATCH_MAX_WAIT_MS_CONFIG);
    }

    public long heartbeatIntervalMs() {
        return config.getLong(HEARTBEAT_INTERVAL_MS_CONFIG);
    }
}
