package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
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

    /** A slot just created, with the snapshot exported at its consistent point (valid while its connection lives). */
    record NewSlot(Connection connection, LogSequenceNumber consistentPoint, String snapshotName) {
    }

    private Replication() {
    }

    /** A walsender connection: only replication commands, simple query protocol. */
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
        return new org.postgresql.Driver().connect(config.getString(ConnectionConfig.CONNECTION_URL_CONFIG), props);
    }

    static boolean slotExists(Handle handle, String slot) {
        return handle.createQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?").bind(0, slot)
                .mapTo(Integer.class).one() > 0;
    }

    /** Creates the slot and keeps its connection open: the exported snapshot lives only as long as it does. */
    static NewSlot createSlotWithSnapshot(AbstractConfig config, String slot) throws SQLException {
        Connection connection = open(config);
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("CREATE_REPLICATION_SLOT " + Identifiers.quote(slot)
                     + " LOGICAL pgoutput EXPORT_SNAPSHOT")) {
            rs.next();
            return new NewSlot(connection, LogSequenceNumber.valueOf(rs.getString("consistent_point")),
                    rs.getString("snapshot_name"));
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
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

    /** Creates or updates the publication as publication.autocreate.mode says. */
    static void ensurePublication(Handle handle, CdcConfig cdc, List<TableId> tables) {
        String name = cdc.publicationName();
        boolean exists = handle.createQuery("SELECT count(*) FROM pg_publication WHERE pubname = ?").bind(0, name)
                .mapTo(Integer.class).one() > 0;
        String quoted = Identifiers.quote(name);
        switch (cdc.publicationAutocreateMode()) {
            case CdcConfig.PUBLICATION_FILTERED -> {
                String list = tables.stream().map(TableId::quoted).collect(Collectors.joining(", "));
                handle.execute(exists ? "ALTER PUBLICATION " + quoted + " SET TABLE " + list
                        : "CREATE PUBLICATION " + quoted + " FOR TABLE " + list);
            }
            case CdcConfig.PUBLICATION_ALL_TABLES -> {
                if (!exists) {
                    handle.execute("CREATE PUBLICATION " + quoted + " FOR ALL TABLES");
                }
            }
            default -> {
                if (!exists) {
                    throw new ConnectException(CdcConfig.PUBLICATION_NAME_CONFIG + "=" + name + ": no such publication"
                            + " and " + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=disabled; create it with"
                            + " CREATE PUBLICATION " + quoted + " FOR TABLE ... or set the mode to filtered");
                }
            }
        }
    }
}
