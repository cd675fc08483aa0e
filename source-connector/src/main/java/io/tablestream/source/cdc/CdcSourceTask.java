package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.RetryPolicy;
import io.tablestream.jdbc.SqlErrors;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.Version;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.PostgresSourceConfig;
import io.tablestream.source.SourceTaskMetrics;
import io.tablestream.source.TableNameClashes;
import io.tablestream.source.TableSelector;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.TransactionContext;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code mode=cdc}: reads the initial snapshot, then streams the slot. The only task of its connector (one slot
 * is one ordered stream).
 */
public class CdcSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(CdcSourceTask.class);

    /**
     * What the snapshot and the stream share.
     *
     * @param tables   the tables captured, as the catalog names them when the task starts
     * @param selector the selection (table.include.list...), which the stream applies to a table's name as the WAL
     *                 gives it: a table renamed or dropped since its changes were written is not among the tables
     * @param tableOids the pg_class oids of the tables captured at start: the WAL naming one of them otherwise
     *                 means it was renamed, whatever its name now
     */
    record Settings(Jdbi jdbi, CdcConfig cdc, List<TableId> tables, TableSelector selector,
                    Function<TableId, String> topics, Map<String, String> partition, TransactionContext transactions,
                    AckTracker acks, PgTypeCatalog types, RecordFormat format, long kafkaTransactionBudgetMs,
                    java.util.Set<Long> tableOids) {

        /** The same settings for other tables. */
        Settings withTables(List<TableId> others) {
            return new Settings(jdbi, cdc, others, selector, topics, partition, transactions, acks, types, format,
                    kafkaTransactionBudgetMs, tableOids);
        }
    }

    /** The producer's transaction.timeout.ms unless the connector overrides it. */
    private static final long PRODUCER_TRANSACTION_TIMEOUT_MS = 60_000;
    static final String TRANSACTION_TIMEOUT_OVERRIDE = "producer.override.transaction.timeout.ms";

    private static final long SERVER_WAL_CHECK_MS = 5_000;
    private static final String FORMER_DEFAULT_PUBLICATION = "tablestream";

    /** Longest a poll waits for the next attempt to start capturing, so the task still stops promptly. */
    private static final long RETRY_WAIT_MS = 500;
    // How long one poll() waits for room in the send window before it returns nothing (stop() waits for a poll).
    private static final long SEND_WINDOW_WAIT_MS = 50;

    private final AckTracker acks = new AckTracker();
    // null with transaction.boundary=connector (see SendWindow)
    private SendWindow sendWindow;
    private Map<String, String> props;
    private Jdbi jdbi;
    private RetryPolicy retry;
    // Starting to capture failed this many times in a row (connection.attempts); the next attempt is at retryAtMs.
    private int startFailures;
    private long retryAtMs;
    // Where capturing resumes once the snapshot is read (null: the stored offset).
    private CdcOffset resumeFrom;
    private PostgresSourceConfig config;
    private Settings settings;
    // At most one of the two: the exported-snapshot read (snapshot.mode=initial) or the stream.
    private SnapshotSource exportedSnapshot;
    private StreamSource stream;
    // While the stream runs: the tables to read chunk by chunk, and the signals that add to them (null: none).
    private IncrementalSnapshot incremental;
    private SnapshotSignals signals;
    private boolean snapshotting;
    private boolean finished;
    // Whether connection.url names a hot standby (in recovery): nothing is written there.
    private boolean standby;
    /**
     * Captured tables this task added to the publication, until the incremental snapshot has seen them: for progress
     * stored without the table's oid, which cannot tell a table created again under the same name.
     */
    private final java.util.Set<TableId> joinedPublication = new java.util.HashSet<>();
    // The pg_class oid of each captured table, as read at start.
    private Map<TableId, Long> tableOids = Map.of();
    private SourceTaskMetrics metrics;
    // Read by the metrics (JMX threads), written by the poll thread.
    private volatile long snapshotRowsRead = -1;
    private volatile long snapshotRowsEstimated = -1;
    private volatile long snapshotChunksDone = -1;
    // The incremental snapshot's progress per table, as the per-table metrics read it (JMX threads).
    private final Map<TableId, SnapshotTableStatus> snapshotTables = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long confirmedLsn;
    private volatile long serverWalLsn;
    private volatile boolean caughtUp;
    private long serverWalCheckedMs;

    @Override
    public String version() {
        return Version.get();
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
        config = new PostgresSourceConfig(props);
        metrics = new SourceTaskMetrics(context.pluginMetrics());
        metrics.addGauge("acknowledged-lsn", "the last LSN Kafka acknowledged, which the slot may confirm (0: none yet)",
                (metricConfig, nowMs) -> acks.flushableLsn());
        registerLagAndProgressMetrics();
        jdbi = ConnectionConfig.jdbi(config);
        retry = RetryPolicy.of(config);
        sendWindow = context.transactionContext() == null ? new SendWindow() : null;
        if (context.transactionContext() != null) {
            log.info("transaction.boundary=connector: a database transaction still being sent to Kafka after {} ms"
                    + " (half of {}{}) is committed in several Kafka transactions; raise {} to keep larger ones atomic",
                    kafkaTransactionBudgetMs(props), TRANSACTION_TIMEOUT_OVERRIDE,
                    props.containsKey(TRANSACTION_TIMEOUT_OVERRIDE) ? "" : ", unset: the producer's default",
                    TRANSACTION_TIMEOUT_OVERRIDE);
        }
        attempt("Starting change data capture", this::startCapture);
    }

    /** A step that a transient failure (PostgreSQL unreachable) does not end: {@link #attempt} retries it. */
    @FunctionalInterface
    private interface Step {
        void run() throws SQLException;
    }

    /**
     * Runs {@code step}; when PostgreSQL cannot be reached (a transient error) and connection.attempts allows, logs
     * it and answers false: a later poll starts capturing again, connection.backoff.ms later. Neither start() nor
     * poll() waits for that, so the task still stops promptly. Any other failure fails the task.
     */
    private boolean attempt(String what, Step step) {
        try {
            step.run();
            startFailures = 0;
            return true;
        } catch (SQLException | RuntimeException e) {
            retryLater(what, e);
            return false;
        }
    }

    private void retryLater(String what, Exception e) {
        startFailures++;
        if (!retry.mayRetry(startFailures, e)) {
            throw failure(what, e);
        }
        retryAtMs = System.currentTimeMillis() + retry.backoffMs();
        log.warn("{} failed ({}); trying again in {} ms (attempt {} of {}, connection.attempts)", what,
                e.getMessage(), retry.backoffMs(), startFailures + 1, retry.attempts());
    }

    /**
     * Reads the tables to capture, prepares the publication and opens the snapshot or the stream, resuming at the
     * stored offset (or, after a snapshot, at its end).
     */
    private void startCapture() throws SQLException {
        config = new PostgresSourceConfig(props);
        if (!props.containsKey(CdcConfig.PUBLICATION_NAME_CONFIG)
                && jdbi.withHandle(h -> streamsTheFormerDefaultPublication(h, new CdcConfig(config)))) {
            Map<String, String> withPublication = new java.util.HashMap<>(props);
            withPublication.put(CdcConfig.PUBLICATION_NAME_CONFIG, FORMER_DEFAULT_PUBLICATION);
            config = new PostgresSourceConfig(withPublication);
        }
        CdcConfig cdc = new CdcConfig(config);
        Map<String, String> partition = CdcOffset.partition(cdc.slotName());
        CdcOffset offset = resumeFrom != null ? resumeFrom
                : CdcOffset.fromMap(context.offsetStorageReader().offset(partition));
        Replication.SlotState slot = jdbi.withHandle(h -> Replication.slotState(h, cdc.slotName()));
        boolean streamedBefore = streamedBefore(offset, cdc.snapshotMode());
        // Only then may the WAL hold changes of a listed table renamed or dropped since: a slot created anew (lost,
        // or after an unfinished initial snapshot) starts after them.
        boolean walHeld = streamedBefore && !lost(slot);
        List<TableId> tables = jdbi.withHandle(h -> capturedTables(h, walHeld, offset, cdc.slotName()));
        settings = new Settings(jdbi, cdc, tables, PartitionedTables.selector(config), config::topicFor, partition,
                context.transactionContext(), acks, PgTypeCatalog.of(config.typeOptions()), RecordFormat.of(cdc),
                kafkaTransactionBudgetMs(props), java.util.Set.copyOf(tableOids.values()));
        if (cdc.deleteHandlingMode() == DeleteHandlingMode.NONE) {
            log.warn("{}=none: deletes are not emitted; downstream copies keep deleted rows",
                    CdcConfig.DELETE_HANDLING_MODE_CONFIG);
        }
        jdbi.useHandle(h -> {
            standby = Replication.inRecovery(h);
            if (standby) {
                Replication.requireStandbySupport(h, cdc);
            }
            if (cdc.slotFailover()) {
                Replication.requireFailoverSupport(h);
            }
            joinedPublication.addAll(Replication.ensurePublication(h, cdc, withSignalTable(h, cdc,
                    settings.tables()), standby));
            PartitionedTables.requirePublishedAsCaptured(h, cdc.publicationName(), settings.tables());
            settings.tables().forEach(table -> UnavailableValues.profile(h, table).warnIfLacking(log));
        });
        open(offset, slot, streamedBefore);
    }

    /**
     * Whether the offset says the slot was streamed: its initial snapshot finished, or snapshot.mode=incremental
     * (which streams from the start). Otherwise the snapshot is read again, on a new slot.
     */
    private static boolean streamedBefore(CdcOffset offset, SnapshotMode snapshotMode) {
        return offset != null && (offset.snapshotDone() || snapshotMode == SnapshotMode.INCREMENTAL);
    }

    /** The captured tables and the signal table (signal.data.collection), which must exist, if one is set. */
    private static List<TableId> withSignalTable(Handle handle, CdcConfig cdc, List<TableId> tables) {
        TableId signal = cdc.signalTable();
        if (signal == null || tables.contains(signal)) {
            return tables;
        }
        if (handle.createQuery("SELECT to_regclass(?) IS NULL").bind(0, signal.quoted()).mapTo(Boolean.class).one()) {
            throw new ConnectException(CdcConfig.SIGNAL_DATA_COLLECTION_CONFIG + "=" + signal + ": the table does not"
                    + " exist (or the connector's user cannot see it); create it as CREATE TABLE " + signal.quoted()
                    + " (id text PRIMARY KEY, type text NOT NULL, data text), or unset the option");
        }
        List<TableId> all = new java.util.ArrayList<>(tables);
        all.add(signal);
        return all;
    }

    /**
     * How long one Kafka transaction may take before a database transaction is split: half the producer's
     * transaction.timeout.ms, so the commit comes before the broker aborts it, with room for the batch in flight.
     */
    private static long kafkaTransactionBudgetMs(Map<String, String> props) {
        String timeout = props.get(TRANSACTION_TIMEOUT_OVERRIDE);
        try {
            return (timeout == null ? PRODUCER_TRANSACTION_TIMEOUT_MS : Long.parseLong(timeout.trim())) / 2;
        } catch (NumberFormatException e) {
            throw new ConnectException(TRANSACTION_TIMEOUT_OVERRIDE + "=" + timeout + " is not a number of"
                    + " milliseconds; set it to e.g. 600000, at most the broker's transaction.max.timeout.ms");
        }
    }

    /**
     * Whether this connector streamed its slot with the publication that was the default before publication.name
     * defaulted to the slot's name: its slot exists, no publication is named like the slot, and one named
     * {@value #FORMER_DEFAULT_PUBLICATION} does. It keeps that publication (a publication created now would not
     * exist in the WAL the slot still has to stream, and pgoutput would refuse it).
     */
    private static boolean streamsTheFormerDefaultPublication(Handle handle, CdcConfig cdc) {
        boolean former = Replication.slotExists(handle, cdc.slotName()) && !cdc.slotName().equals(FORMER_DEFAULT_PUBLICATION)
                && handle.createQuery("SELECT count(*) FILTER (WHERE pubname = ?) = 0 AND count(*) FILTER (WHERE"
                        + " pubname = ?) = 1 FROM pg_publication").bind(0, cdc.slotName())
                .bind(1, FORMER_DEFAULT_PUBLICATION).mapTo(Boolean.class).one();
        if (former) {
            log.warn("{} is not set and slot {} exists without a publication of its name: keeping publication {}, the"
                    + " former default; set {}={} to say so", CdcConfig.PUBLICATION_NAME_CONFIG, cdc.slotName(),
                    FORMER_DEFAULT_PUBLICATION, CdcConfig.PUBLICATION_NAME_CONFIG, FORMER_DEFAULT_PUBLICATION);
        }
        return former;
    }

    /**
     * The tables table.include.list / table.exclude.list select, as in the polling modes (names and regular
     * expressions), read when the task starts, a partitioned table being one table (its partitions are left out
     * when it is selected). A table named exactly that does not exist is an error on the first start; while the
     * slot holds WAL streamed before ({@code walHeld}), it may still hold its changes from before it was renamed or
     * dropped, which the stream sends to its topic: a warning says so, and names the table it is now if the oid
     * stored with its snapshot progress still names one.
     */
    private List<TableId> capturedTables(Handle handle, boolean walHeld, CdcOffset offset, String slotName) {
        for (TableId named : config.tableSelector().namedTables()) {
            if (handle.createQuery("SELECT to_regclass(?) IS NULL").bind(0, named.quoted()).mapTo(Boolean.class).one()) {
                if (!walHeld) {
                    throw new ConnectException("Table " + named + " listed in "
                            + PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG + " does not exist (or the connector's"
                            + " user cannot see it); create it or fix the list");
                }
                Optional<TableId> now = storedOid(named, offset, slotName).flatMap(oid -> handle.createQuery(
                                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid ="
                                + " c.relnamespace WHERE c.oid = ? AND c.relkind IN ('r', 'p')").bind(0, oid)
                        .map((rs, ctx) -> new TableId(rs.getString(1), rs.getString(2))).findOne());
                log.warn("Table {} listed in {} does not exist ({}): its changes the slot still holds from before are"
                        + " streamed to its topic; {}remove {} from the list once the slot's lag (slot-lag-bytes) is"
                        + " near zero", named, PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG,
                        now.map(t -> "now named " + t).orElse("renamed or dropped"),
                        now.map(t -> "add " + t + " to " + PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG
                                + " to capture its changes from the rename on (they are not captured otherwise); ")
                                .orElse(""), named);
            }
        }
        tableOids = PartitionedTables.selector(config).select(handle);
        List<TableId> tables = List.copyOf(tableOids.keySet());
        TableNameClashes.refuse(config, tables);
        if (tables.isEmpty()) {
            log.warn("No table matches {}/{}; capturing none until one appears",
                    PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG, PostgresSourceConfig.TABLE_EXCLUDE_LIST_CONFIG);
        }
        return tables;
    }

    /** The pg_class oid stored for a table: with its snapshot progress, or in the stream's offset (empty: none). */
    private Optional<Long> storedOid(TableId table, CdcOffset offset, String slotName) {
        TableProgress progress = TableProgress.fromMap(context.offsetStorageReader()
                .offset(CdcOffset.tablePartition(slotName, table)));
        if (progress != null && progress.oid() != null) {
            return Optional.of(progress.oid());
        }
        return Optional.ofNullable(offset == null ? null
                : IncrementalSnapshot.Pending.parse(offset.snapshots()).readWithoutRecord().get(table));
    }

    private void registerLagAndProgressMetrics() {
        metrics.addGauge("slot-lag-bytes", "WAL the slot holds: the server's WAL position (checked every "
                        + SERVER_WAL_CHECK_MS / 1000 + " s) minus the LSN confirmed to the slot (NaN: not streaming yet)",
                (metricConfig, nowMs) -> serverWalLsn == 0 || confirmedLsn == 0 ? Double.NaN
                        : Math.max(0, serverWalLsn - confirmedLsn));
        metrics.addGauge("slot-lag-ms", "0 when caught up (every change read is acknowledged and the last poll found"
                        + " nothing new), else now minus the commit time of the last acknowledged change (NaN: none yet)",
                (metricConfig, nowMs) -> caughtUp ? 0 : acks.lastAcknowledgedCommitMs() < 0 ? Double.NaN
                        : Math.max(0, nowMs - acks.lastAcknowledgedCommitMs()));
        metrics.addGauge("last-acknowledged-commit-time", "commit time of the last change Kafka acknowledged,"
                + " epoch ms (-1: none yet)", (metricConfig, nowMs) -> acks.lastAcknowledgedCommitMs());
        metrics.addGauge("snapshot-rows-read", "rows the snapshot has read in this task run (-1: none)",
                (metricConfig, nowMs) -> snapshotRowsRead);
        metrics.addGauge("snapshot-chunks-done", "chunks the incremental snapshot has emitted in this task run (-1:"
                + " no incremental snapshot in this task run)", (metricConfig, nowMs) -> snapshotChunksDone);
        metrics.addGauge("snapshot-rows-estimated", "rows of the snapshot's tables as pg_class.reltuples estimates"
                + " them (-1: no snapshot in this task run)", (metricConfig, nowMs) -> snapshotRowsEstimated);
    }

    /** The incremental snapshot's progress of one table, tagged table=<schema.table>. */
    private void addSnapshotTableMetrics(TableId table) {
        metrics.addTableGauge(table, "snapshot-rows-read", "rows of the table the incremental snapshot has emitted in"
                + " this task run", (Measurable) (metricConfig, nowMs) -> snapshotTables.get(table).rowsRead());
        metrics.addTableGauge(table, "snapshot-rows-estimated", "rows of the table as pg_class.reltuples estimated"
                + " them when its snapshot was queued", (Measurable) (metricConfig, nowMs) -> snapshotTables.get(table).rowsEstimated());
        metrics.addTableGauge(table, "snapshot-chunks-done", "chunks of the table the incremental snapshot has read"
                + " in this task run", (Measurable) (metricConfig, nowMs) -> snapshotTables.get(table).chunksDone());
        metrics.addTableGauge(table, "snapshot-state", "queued, running, paused, completed or stopped",
                (org.apache.kafka.common.metrics.Gauge<String>) (metricConfig, nowMs) ->
                        snapshotTables.get(table).state().label());
    }

    /** After a poll: what the lag and progress metrics read. The server's WAL position costs a query: seldom. */
    private void updateLagAndProgress(List<SourceRecord> records) {
        if (exportedSnapshot != null) {
            snapshotRowsRead = exportedSnapshot.rowsRead();
            snapshotRowsEstimated = exportedSnapshot.estimatedRows();
        } else if (stream != null) {
            if (incremental != null && (snapshotting || incremental.chunksDone() > 0)) {
                snapshotRowsRead = incremental.rowsRead();
                snapshotRowsEstimated = incremental.rowsEstimated();
                snapshotChunksDone = incremental.chunksDone();
            }
            if (incremental != null) {
                incremental.tableStatuses().forEach(status -> {
                    if (snapshotTables.put(status.table(), status) == null) {
                        addSnapshotTableMetrics(status.table());
                    }
                });
            }
            confirmedLsn = stream.confirmedLsn();
            caughtUp = records.isEmpty() && acks.allAcknowledged();
            long now = System.currentTimeMillis();
            if (now - serverWalCheckedMs >= SERVER_WAL_CHECK_MS) {
                serverWalCheckedMs = now;
                try {
                    serverWalLsn = settings.jdbi().withHandle(h -> h.createQuery(
                            "SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                            + " ELSE pg_current_wal_lsn() END, '0/0')::bigint").mapTo(Long.class).one());
                } catch (JdbiException e) {
                    log.debug("Reading the server's WAL position failed; slot-lag-bytes keeps its last value: {}",
                            e.getMessage());
                }
            }
        }
    }

    /**
     * Opens the exported snapshot or the stream. snapshot.mode=incremental never needs a new slot for a snapshot:
     * whatever the offsets say (none yet: a first start, or a kill before the first commit), the slot streams from
     * where it stands and the tables without finished progress are read chunk by chunk beside it.
     */
    private void open(CdcOffset offset, Replication.SlotState slot, boolean streamedBefore) throws SQLException {
        CdcConfig cdc = settings.cdc();
        SnapshotMode snapshotMode = cdc.snapshotMode();
        boolean incrementalMode = snapshotMode == SnapshotMode.INCREMENTAL;
        boolean exportedMode = snapshotMode == SnapshotMode.INITIAL || snapshotMode == SnapshotMode.INITIAL_ONLY;
        boolean snapshotPending = exportedMode && (offset == null || !offset.snapshotDone());
        boolean streams = snapshotMode != SnapshotMode.INITIAL_ONLY;
        if (!snapshotPending && streams && streamedBefore && lost(slot)) {
            // The incremental progress belongs to the lost slot: the exported snapshot reads everything again.
            snapshotPending = resnapshotAfterLosing(slot, offset);
        }
        if (snapshotPending) {
            if (slot.exists()) {
                // A snapshot must be read at the slot's creation point; an unfinished one starts over on a new slot.
                log.warn("Slot {} exists but the snapshot must be read (again); dropping and re-creating the slot",
                        cdc.slotName());
                settings.jdbi().useHandle(h -> Replication.dropSlot(h, cdc.slotName()));
            }
            logSlotCreationOnStandby();
            Replication.NewSlot created = Replication.createSlotWithSnapshot(config, cdc.slotName(), cdc.slotFailover());
            try {
                log.info("Created slot {} at {}; reading the snapshot of {}", cdc.slotName(),
                        created.consistentPoint().asString(), settings.tables());
                exportedSnapshot = new SnapshotSource(settings.jdbi(), created, settings.tables(), settings.topics(),
                        settings.partition(), settings.format(), settings.types(), settings.cdc().publicationName());
                return;
            } finally {
                created.connection().close(); // the snapshot is imported: its exporter may go
            }
        }
        if (snapshotMode == SnapshotMode.INITIAL_ONLY) {
            finished = true;
            return;
        }
        LogSequenceNumber start = offset == null ? LogSequenceNumber.INVALID_LSN : LogSequenceNumber.valueOf(offset.lsn());
        if (!slot.exists()) {
            logSlotCreationOnStandby();
            Replication.NewSlot created = Replication.createSlotWithSnapshot(config, cdc.slotName(), cdc.slotFailover());
            created.connection().close();
            start = created.consistentPoint();
        }
        TableId signalTable = cdc.signalTable();
        List<TableId> streamed = settings.jdbi().withHandle(h -> withSignalTable(h, cdc, settings.tables()));
        stream = new StreamSource(settings.withTables(streamed), () -> Replication.open(config), RetryPolicy.of(config),
                start, offset);
        signals = signalTable == null ? null
                : new SnapshotSignals(signalTable, settings.topics().apply(signalTable), settings.tables());
        IncrementalSnapshot.Pending signalled = offset == null ? IncrementalSnapshot.Pending.NONE
                : IncrementalSnapshot.Pending.parse(offset.snapshots());
        Map<TableId, TableProgress> progress = storedProgress(settings.tables());
        signalled = readAgainIfAnotherTable(progress, signalled, incrementalMode);
        joinedPublication.clear(); // once: the progress stored from now on is the new table's
        // Only snapshot.mode=incremental reads captured tables on its own; signals work in every mode.
        incremental = new IncrementalSnapshot(settings, cdc.chunkSize(), RetryPolicy.of(config), config.batchMaxRows(),
                incrementalMode ? settings.tables() : List.of(), progress, tableOids, signalled);
        snapshotting = !incremental.idle();
    }

    /**
     * A slot created on a standby is ready only once the standby replays a record of the transactions running on
     * the primary: the primary logs one every 15 s while it writes, none while it is idle.
     */
    private void logSlotCreationOnStandby() {
        if (standby) {
            log.info("Creating slot {} on a hot standby: this waits for the primary's next record of its running"
                    + " transactions (written every 15 s while the primary is busy, never while it is idle); run"
                    + " SELECT pg_log_standby_snapshot() on the primary to write one now", settings.cdc().slotName());
        }
    }

    /** The incremental snapshot progress stored for each table (absent: none). */
    private Map<TableId, TableProgress> storedProgress(List<TableId> tables) {
        Map<Map<String, String>, TableId> byPartition = new java.util.HashMap<>();
        tables.forEach(t -> byPartition.put(CdcOffset.tablePartition(settings.cdc().slotName(), t), t));
        Map<TableId, TableProgress> progress = new java.util.HashMap<>();
        context.offsetStorageReader().offsets(byPartition.keySet()).forEach((partition, offset) -> {
            TableProgress stored = TableProgress.fromMap(offset);
            if (stored != null) {
                progress.put(byPartition.get(partition), stored);
            }
        });
        return progress;
    }

    /**
     * Forgets, in {@code progress} and the returned work, what was read of a table the stored progress is not for:
     * its oid is another (the table was dropped and created again under the same name), or this task has just added
     * the table back to the publication (removed from it, or, for progress stored without an oid, dropped and
     * created again), so its changes meanwhile were never streamed. With {@code incremental} such a
     * table is read again as a newly captured one; a signal's snapshot of it that was under way starts over from its
     * first key, as the old table's keys say nothing of the new one's rows.
     */
    private IncrementalSnapshot.Pending readAgainIfAnotherTable(Map<TableId, TableProgress> progress,
                                                                IncrementalSnapshot.Pending signalled,
                                                                boolean incremental) {
        java.util.Set<TableId> unread = new java.util.HashSet<>();
        for (TableId table : settings.tables()) {
            TableProgress stored = progress.get(table);
            Long oid = tableOids.get(table);
            // Read without a record to carry its progress (empty, say): the stream's offset names the oid read.
            Long readOid = stored != null ? stored.oid() : signalled.readWithoutRecord().get(table);
            if (readOid != null && oid != null && !readOid.equals(oid)) {
                log.info("Table {} (oid {}) is not the table its stored snapshot progress was read from (oid {}):"
                        + " it was dropped and created again under the same name{}", table, oid, readOid,
                        incremental ? "; its rows are read again" : "");
                if (stored != null && stored.run() != null && !stored.done()) {
                    log.warn("The snapshot of {} asked for by signal {} was under way on the former table (after key"
                            + " {}): it starts over from the new table's first key", table, stored.run(),
                            stored.after());
                }
                progress.remove(table);
                unread.add(table);
            } else if (incremental && joinedPublication.contains(table) && (stored != null ? stored.run() == null
                    : signalled.readWithoutRecord().containsKey(table))) {
                log.info("Table {} joined publication {} again after its snapshot (dropped and created again under"
                        + " the same name, or removed from the publication): its rows are read again", table,
                        settings.cdc().publicationName());
                progress.remove(table);
                unread.add(table);
            }
        }
        return signalled.unread(unread);
    }

    /** Whether the slot the offset streamed from can no longer give the changes after it. */
    private static boolean lost(Replication.SlotState slot) {
        return !slot.exists() || slot.invalidation() != null;
    }

    /**
     * slot.lost.action: fails the task naming the slot, or (resnapshot) says so and answers that the snapshot must
     * be read again on a new slot.
     */
    private boolean resnapshotAfterLosing(Replication.SlotState slot, CdcOffset offset) {
        CdcConfig cdc = settings.cdc();
        String what = "Replication slot " + cdc.slotName() + (slot.exists() ? " was invalidated by the server ("
                + slot.invalidation() + ")" : " does not exist") + ", but the stored offset says the connector"
                + " streamed it up to LSN " + ChangeEvent.lsnText(offset.lsn()) + ": the changes committed since"
                + " can no longer be read";
        if (cdc.slotLostAction() == SlotLostAction.FAIL) {
            throw new ConnectException(what + ". Set " + CdcConfig.SLOT_LOST_ACTION_CONFIG + "="
                    + SlotLostAction.RESNAPSHOT.configValue() + " to re-create the slot and read the tables again"
                    + " (their current rows arrive with op=r; rows deleted meanwhile get no delete record), or stop the"
                    + " connector and reset its offsets (DELETE /connectors/{name}/offsets) to start over.");
        }
        log.warn("{}; {}={}: re-creating the slot and reading the snapshot again (rows deleted meanwhile get no"
                + " delete record)", what, CdcConfig.SLOT_LOST_ACTION_CONFIG, cdc.slotLostAction().configValue());
        return true;
    }

    @Override
    public synchronized List<SourceRecord> poll() throws InterruptedException {
        if (finished) {
            Thread.sleep(500); // initial_only: the snapshot is done, nothing more to do
            return null;
        }
        if (exportedSnapshot == null && stream == null) {
            long wait = retryAtMs - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(Math.min(wait, RETRY_WAIT_MS));
                return null;
            }
            if (!attempt("Starting change data capture", this::startCapture)
                    || (exportedSnapshot == null && stream == null)) {
                return null;
            }
        }
        if (sendWindow != null && !sendWindow.awaitRoom(SEND_WINDOW_WAIT_MS)) {
            return null;
        }
        long start = System.nanoTime();
        List<SourceRecord> records = exportedSnapshot != null ? pollExportedSnapshot() : pollStream();
        if (records != null) {
            metrics.polled(records.size(), (System.nanoTime() - start) / 1_000_000, System.currentTimeMillis());
            updateLagAndProgress(records);
            if (sendWindow != null) {
                sendWindow.handedOver(records.size());
            }
        }
        return records == null || records.isEmpty() ? null : records;
    }

    private List<SourceRecord> pollStream() throws InterruptedException {
        try {
            stream.snapshotsPending(incremental.pendingText());
            stream.returnOncePassed(Math.max(0, incremental.waitingFor()));
            stream.returnWhen(incremental::chunksRead);
            List<SourceRecord> polled = stream.poll(config.batchMaxRows());
            List<SourceRecord> records = new java.util.ArrayList<>(polled.size());
            for (SourceRecord record : polled) {
                if (signals != null && signals.isSignal(record)) {
                    // Never sent to Kafka: done with as soon as it is applied, so the slot may move past it.
                    acks.acknowledged(record);
                    signals.apply(record, incremental);
                } else {
                    incremental.observe(record);
                    records.add(record);
                }
            }
            records.addAll(incremental.afterStreamPoll(stream.position(), stream.betweenTransactions()));
            if (!snapshotting && !incremental.idle()) {
                snapshotting = true;
            } else if (snapshotting && incremental.idle()) {
                snapshotting = false;
                log.info("Incremental snapshot complete: {} rows in {} chunks in this task run",
                        incremental.rowsRead(), incremental.chunksDone());
            }
            return records;
        } catch (SQLException | RuntimeException e) {
            throw failure("Reading changes", e); // the stream retries a lost connection itself
        }
    }

    private List<SourceRecord> pollExportedSnapshot() {
        SnapshotSource snapshot = exportedSnapshot;
        try {
            List<SourceRecord> records = snapshot.poll(config.batchMaxRows());
            if (settings.transactions() != null && !records.isEmpty()) {
                // Snapshot rows are no database transaction: each batch is its own Kafka transaction, so none
                // outlives the producer's transaction.timeout.ms however large the tables are.
                settings.transactions().commitTransaction(records.get(records.size() - 1));
            }
            if (snapshot.done()) {
                updateLagAndProgress(records);
                snapshot.close();
                log.info("Snapshot of {} complete", settings.tables());
                exportedSnapshot = null;
                if (settings.cdc().snapshotMode() == SnapshotMode.INITIAL_ONLY) {
                    finished = true;
                } else {
                    resumeFrom = new CdcOffset(snapshot.consistentLsn(), 0, true);
                    attempt("Starting to stream after the snapshot", () -> open(resumeFrom,
                            settings.jdbi().withHandle(h -> Replication.slotState(h, settings.cdc().slotName())),
                            streamedBefore(resumeFrom, settings.cdc().snapshotMode())));
                }
            }
            return records;
        } catch (SQLException | RuntimeException e) {
            // The exported snapshot dies with its connection: the next attempt reads it again, on a new slot.
            snapshot.close();
            exportedSnapshot = null;
            retryLater("Reading the snapshot", e);
            return null;
        }
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        if (sendWindow != null) {
            sendWindow.acknowledged();
        }
        acks.acknowledged(record);
        metrics.produced();
    }

    @Override
    public synchronized void stop() {
        if (exportedSnapshot != null) {
            exportedSnapshot.close();
            exportedSnapshot = null;
        }
        if (stream != null) {
            stream.close();
            stream = null;
        }
        if (incremental != null) {
            incremental.close();
            incremental = null;
        }
        if (settings != null && settings.cdc().dropSlotOnStop()) {
            settings.jdbi().useHandle(h -> Replication.dropSlot(h, settings.cdc().slotName()));
            log.info("Dropped slot {} (slot.drop.on.stop=true)", settings.cdc().slotName());
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    private RuntimeException failure(String what, Exception e) {
        if (SqlErrors.isAuthenticationFailure(e)) {
            return new ConnectException("PostgreSQL refused the credentials in connection.user/connection.password: "
                    + e.getMessage(), e);
        }
        // Also for a lost connection: the task fails and, restarted, resumes from the last committed offset.
        return e instanceof ConnectException ce ? ce : new ConnectException(what + " failed: " + e.getMessage(), e);
    }
}
