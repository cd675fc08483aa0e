package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
import io.tablestream.source.PostgresSourceConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.errors.ConnectException;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/** The publication, the slot and replication connections. */
final class Replication {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Replication.class);

    /** A slot just created, with the snapshot exported at its consistent point (valid while its connection lives). */
    record NewSlot(Connection connection, LogSequenceNumber consistentPoint, String snapshotName) {
    }

    private Replication() {
    }

    /** A walsender connection: replication commands (and SET), simple query protocol. */
    static Connection open(AbstractConfig config) throws SQLException {
        Properties props = new Properties();
        String user = config.getString(ConnectionConfig.CONNECTION_USER_CONFIG);
        Password password = config.getPassword(ConnectionConfig.CONNECTION_PASSWORD_CONFIG);
        if (user != null) {
            PGProperty.USER.set(props, user);
        }
        if (password != null && password.value() != null) {
            PGProperty.PASSWORD.set(props, password.value());
        }
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        // pgoutput prints values with the walsender session's settings.
        return ConnectionConfig.withSessionSettings(new org.postgresql.Driver().connect(
                config.getString(ConnectionConfig.CONNECTION_URL_CONFIG), props));
    }

    /** What the server says of a slot; {@code invalidation} is null while the slot can still stream. */
    record SlotState(boolean exists, String invalidation) {
        static final SlotState MISSING = new SlotState(false, null);
    }

    /**
     * The slot's state: missing, invalidated (its WAL removed, {@code wal_status = 'lost'}, or on PostgreSQL 17+
     * an {@code invalidation_reason}) or usable.
     */
    static SlotState slotState(Handle handle, String slot) {
        return handle.createQuery("""
                        SELECT CASE WHEN s.wal_status = 'lost' THEN 'its WAL was removed (wal_status lost)'
                                    ELSE to_jsonb(s) ->> 'invalidation_reason' END
                        FROM pg_replication_slots s WHERE s.slot_name = ?""")
                .bind(0, slot).map((rs, ctx) -> new SlotState(true, rs.getString(1))).findOne()
                .orElse(SlotState.MISSING);
    }

    static boolean slotExists(Handle handle, String slot) {
        return slotState(handle, slot).exists();
    }

    /**
     * Creates the slot and keeps its connection open: the exported snapshot lives only as long as it does. With
     * {@code failover} (PostgreSQL 17+) standbys synchronize the slot.
     */
    static NewSlot createSlotWithSnapshot(AbstractConfig config, String slot, boolean failover) throws SQLException {
        Connection connection = open(config);
        String command = "CREATE_REPLICATION_SLOT " + Identifiers.quote(slot) + " LOGICAL pgoutput "
                + (failover ? "(SNAPSHOT 'export', FAILOVER true)" : "EXPORT_SNAPSHOT");
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(command)) {
            rs.next();
            return new NewSlot(connection, LogSequenceNumber.valueOf(rs.getString("consistent_point")),
                    rs.getString("snapshot_name"));
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** The server's version as a number (PostgreSQL 15.4 is 150004), to tell what it offers. */
    static int serverVersion(Handle handle) {
        return handle.createQuery("SELECT current_setting('server_version_num')::int").mapTo(Integer.class).one();
    }

    /** Refuses slot.failover=true on a server without failover slots (before PostgreSQL 17). */
    static void requireFailoverSupport(Handle handle) {
        int version = serverVersion(handle);
        if (version < 170000) {
            throw new ConnectException(CdcConfig.SLOT_FAILOVER_CONFIG + "=true needs PostgreSQL 17 or later (failover"
                    + " slots); the server runs " + handle.createQuery("SHOW server_version").mapTo(String.class).one()
                    + ": set " + CdcConfig.SLOT_FAILOVER_CONFIG + "=false");
        }
    }

    /** Drops the slot, waiting a little for a walsender that still holds it to exit. */
    static void dropSlot(Handle handle, String slot) {
        for (int attempt = 1; ; attempt++) {
            try {
                handle.createQuery("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")
                        .bind(0, slot).mapToMap().list();
                return;
            } catch (RuntimeException e) {
                if (attempt >= 50) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ConnectException("Interrupted while dropping slot " + slot, ie);
                }
            }
        }
    }

    /**
     * A partitioned table's changes are published as its own (its name, its schema), not as those of the partition
     * that holds the row, so they reach its topic and a new partition needs no change.
     */
    private static final String VIA_ROOT = " WITH (publish_via_partition_root = true)";
    /**
     * PostgreSQL 18+: stored generated columns are published too, so the records carry every stored column, as the
     * polling modes' do (the snapshot reads what the publication sends). Without it the server refuses an UPDATE or
     * DELETE of a table whose replica identity holds a stored generated column (REPLICA IDENTITY FULL, say): creating
     * the publication would break the application's writes.
     */
    private static final String VIA_ROOT_WITH_GENERATED = " WITH (publish_via_partition_root = true,"
            + " publish_generated_columns = stored)";

    /** The options of a publication the connector creates, for this server. */
    private static String createOptions(Handle handle) {
        return serverVersion(handle) >= 180000 ? VIA_ROOT_WITH_GENERATED : VIA_ROOT;
    }

    /**
     * Tables whose replica identity holds a stored generated column (REPLICA IDENTITY FULL, or an identity index on
     * such a column), in a publication that does not publish those columns: PostgreSQL 18+ refuses every UPDATE and
     * DELETE of a published table whose identity has an unpublished column.
     */
    private static final String IDENTITY_WITH_UNPUBLISHED_GENERATED_SQL = """
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = ANY(CAST(? AS regclass[])) AND EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                AND a.attgenerated = 's' AND (c.relreplident = 'f' OR (c.relreplident = 'i' AND EXISTS (
                    SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident AND a.attnum = ANY(i.indkey)))))
            AND (SELECT p.pubgencols FROM pg_publication p WHERE p.pubname = ?) <> 's'""";

    /**
     * Adding such a table (see {@link #IDENTITY_WITH_UNPUBLISHED_GENERATED_SQL}) to the publication would break the
     * application's writes to it: refused, naming the tables and the fixes.
     */
    private static void refuseIdentityWithUnpublishedGeneratedColumns(Handle handle, String publication,
                                                                      List<TableId> adding) {
        if (serverVersion(handle) < 180000) {
            return; // before 18 generated columns are never published, and their identity is not checked
        }
        String[] names = adding.stream().map(TableId::quoted).toArray(String[]::new);
        List<String> breaking = handle.createQuery(IDENTITY_WITH_UNPUBLISHED_GENERATED_SQL).bind(0, names)
                .bind(1, publication).mapTo(String.class).list();
        if (!breaking.isEmpty()) {
            String quoted = Identifiers.quote(publication);
            throw new ConnectException("Tables " + breaking + " have a replica identity holding a stored generated"
                    + " column, which publication " + publication + " does not publish: once the connector added them"
                    + " to it (" + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=filtered), PostgreSQL would refuse"
                    + " every UPDATE and DELETE of them. Run ALTER PUBLICATION " + quoted
                    + " SET (publish_generated_columns = stored), or give the tables another replica identity (ALTER"
                    + " TABLE ... REPLICA IDENTITY DEFAULT), then restart the connector");
        }
    }

    private static boolean publishesViaRoot(Handle handle, String publication) {
        return handle.createQuery("SELECT pubviaroot FROM pg_publication WHERE pubname = ?").bind(0, publication)
                .mapTo(Boolean.class).one();
    }

    /**
     * On a standby the publication cannot be created or changed: it must exist, made on the primary (it reaches the
     * standby with the WAL), and publish every table this connector streams.
     */
    private static void requirePublishedOnStandby(Handle handle, CdcConfig cdc, List<TableId> tables, boolean exists) {
        String name = cdc.publicationName();
        List<TableId> missing = exists ? missingFromPublication(handle, name, tables) : tables;
        if (exists && missing.isEmpty()) {
            return;
        }
        String list = missing.stream().map(TableId::quoted).collect(Collectors.joining(", "));
        String quoted = Identifiers.quote(name);
        throw new ConnectException("connection.url names a hot standby (in recovery), where publication " + name
                + " cannot be " + (exists ? "altered: it does not publish " + missing : "created") + ", as "
                + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=" + cdc.publicationAutocreateMode().configValue()
                + " would. Run on the primary: " + (exists ? "ALTER PUBLICATION " + quoted + " ADD TABLE " + list
                : "CREATE PUBLICATION " + quoted + " FOR TABLE " + list + createOptions(handle)) + " (it reaches the"
                + " standby with the WAL), and set " + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=disabled");
    }

    /** The tables the publication does not publish yet (none when it is FOR ALL TABLES). */
    private static List<TableId> missingFromPublication(Handle handle, String publication, List<TableId> tables) {
        boolean allTables = handle.createQuery("SELECT puballtables FROM pg_publication WHERE pubname = ?")
                .bind(0, publication).mapTo(Boolean.class).one();
        if (allTables) {
            return List.of();
        }
        java.util.Set<TableId> published = java.util.Set.copyOf(handle.createQuery(
                        "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")
                .bind(0, publication).map((rs, ctx) -> new TableId(rs.getString(1), rs.getString(2))).list());
        return tables.stream().filter(t -> !published.contains(t)).toList();
    }

    /**
     * Whether the server is a hot standby (in recovery): from PostgreSQL 16 on it decodes a slot of its own, but
     * nothing can be written there (no publication created, no WAL position of its own to take).
     */
    static boolean inRecovery(Handle handle) {
        return handle.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one();
    }

    /**
     * Refuses a hot standby that cannot run the connector: before PostgreSQL 16 (no logical decoding on a standby),
     * or with slot.failover=true for a slot still to create (a slot created on a standby cannot be a failover slot).
     */
    static void requireStandbySupport(Handle handle, CdcConfig cdc) {
        int version = serverVersion(handle);
        if (version < 160000) {
            throw new ConnectException("connection.url names a hot standby (pg_is_in_recovery() is true) running"
                    + " PostgreSQL " + handle.createQuery("SHOW server_version").mapTo(String.class).one() + ":"
                    + " logical decoding on a standby needs PostgreSQL 16 or later; connect to the primary");
        }
        if (cdc.slotFailover() && !slotExists(handle, cdc.slotName())) {
            throw new ConnectException(CdcConfig.SLOT_FAILOVER_CONFIG + "=true, but connection.url names a hot standby,"
                    + " where slot " + cdc.slotName() + " would be created, and a slot created on a standby cannot be a"
                    + " failover slot: set " + CdcConfig.SLOT_FAILOVER_CONFIG + "=false");
        }
    }

    /**
     * Creates or updates the publication as publication.autocreate.mode says (on a standby: only checks it).
     *
     * @return the tables it added to the publication: their changes were not streamed until now
     */
    static List<TableId> ensurePublication(Handle handle, CdcConfig cdc, List<TableId> tables, boolean standby) {
        String name = cdc.publicationName();
        boolean exists = handle.createQuery("SELECT count(*) FROM pg_publication WHERE pubname = ?").bind(0, name)
                .mapTo(Integer.class).one() > 0;
        String quoted = Identifiers.quote(name);
        if (standby && cdc.publicationAutocreateMode() != PublicationAutocreateMode.DISABLED) {
            requirePublishedOnStandby(handle, cdc, tables, exists);
            return List.of();
        }
        switch (cdc.publicationAutocreateMode()) {
            case FILTERED -> {
                // Only ever adds: another connector may stream the tables this one does not capture.
                if (exists && !publishesViaRoot(handle, name) && PartitionedTables.anyPartitioned(handle, tables)) {
                    // Before comparing: without it the publication lists a partitioned table's partitions, not it.
                    log.info("Setting publish_via_partition_root = true on publication {}: a captured table is"
                            + " partitioned", name);
                    handle.execute("ALTER PUBLICATION " + quoted + " SET (publish_via_partition_root = true)");
                }
                List<TableId> missing = exists ? missingFromPublication(handle, name, tables) : tables;
                String list = missing.stream().map(TableId::quoted).collect(Collectors.joining(", "));
                if (!exists) {
                    handle.execute("CREATE PUBLICATION " + quoted + (list.isEmpty() ? "" : " FOR TABLE " + list)
                            + createOptions(handle));
                } else if (!missing.isEmpty()) {
                    refuseIdentityWithUnpublishedGeneratedColumns(handle, name, missing);
                    log.info("Adding {} to publication {}", missing, name);
                    handle.execute("ALTER PUBLICATION " + quoted + " ADD TABLE " + list);
                }
                return missing;
            }
            case ALL_TABLES -> {
                if (!exists) {
                    handle.execute("CREATE PUBLICATION " + quoted + " FOR ALL TABLES" + createOptions(handle));
                }
            }
            case DISABLED -> {
                if (!exists) {
                    throw new ConnectException(CdcConfig.PUBLICATION_NAME_CONFIG + "=" + name + ": no such publication"
                            + " and " + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=disabled; create it with"
                            + " CREATE PUBLICATION " + quoted + " FOR TABLE ... or set the mode to filtered");
                }
                // First: a partitioned table published under its partitions' names is a member already, and
                // needs another fix than ADD TABLE.
                PartitionedTables.requirePublishedAsCaptured(handle, name, tables);
                // Else the table's snapshot would be read and its changes never streamed, without a word.
                List<TableId> missing = missingFromPublication(handle, name, tables);
                if (!missing.isEmpty()) {
                    throw new ConnectException("Publication " + name + " does not publish " + missing + ", which the"
                            + " connector captures (" + PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG + ", or "
                            + CdcConfig.SIGNAL_DATA_COLLECTION_CONFIG + "), and "
                            + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=disabled: their changes would never be"
                            + " streamed. Run ALTER PUBLICATION " + quoted + " ADD TABLE " + missing.stream()
                            .map(TableId::quoted).collect(Collectors.joining(", ")) + ", or set "
                            + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=filtered");
                }
            }
        }
        return List.of();
    }
}
