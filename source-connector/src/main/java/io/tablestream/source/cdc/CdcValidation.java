package io.tablestream.source.cdc;

import io.tablestream.jdbc.ConfigValues;
import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.source.PostgresSourceConfig;
import org.apache.kafka.common.config.ConfigException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/** The server-side prerequisites of {@code mode=cdc}, each failure pinned to the field to fix. */
public final class CdcValidation {

    private static final Logger log = LoggerFactory.getLogger(CdcValidation.class);

    private CdcValidation() {
    }

    /** Adds an error to the responsible field for every prerequisite the server does not meet. */
    public static void check(Map<String, ConfigValue> values, Map<String, String> connectorConfigs) {
        Envelope envelope = ConfigValues.valid(values, CdcConfig.ENVELOPE_CONFIG, Envelope.class);
        DeleteHandlingMode deleteHandlingMode =
                ConfigValues.valid(values, CdcConfig.DELETE_HANDLING_MODE_CONFIG, DeleteHandlingMode.class);
        String deleteProblem = envelope == null || deleteHandlingMode == null ? null
                : CdcConfig.deleteHandlingProblem(envelope, deleteHandlingMode);
        if (deleteProblem != null) {
            values.get(CdcConfig.DELETE_HANDLING_MODE_CONFIG).addErrorMessage(deleteProblem);
        }
        if (ConfigValues.valid(values, ConnectionConfig.CONNECTION_URL_CONFIG) == null) {
            return;
        }
        ConfigValue url = values.get(ConnectionConfig.CONNECTION_URL_CONFIG);
        Properties props = new Properties();
        Object user = values.get(ConnectionConfig.CONNECTION_USER_CONFIG).value();
        Object password = values.get(ConnectionConfig.CONNECTION_PASSWORD_CONFIG).value();
        if (user != null) {
            props.setProperty("user", user.toString());
        }
        if (password instanceof Password p && p.value() != null) {
            props.setProperty("password", p.value());
        }
        try (Connection c = new org.postgresql.Driver().connect(url.value().toString(), props)) {
            String walLevel = single(c, "SHOW wal_level", null);
            if (!"logical".equals(walLevel)) {
                url.addErrorMessage("mode=cdc needs logical decoding, but the server has wal_level=" + walLevel
                        + ". Set wal_level = logical in postgresql.conf (ALTER SYSTEM SET wal_level = logical) and"
                        + " restart PostgreSQL.");
            }
            String canReplicate = single(c, "SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname = current_user", null);
            if (!"true".equals(canReplicate)) {
                values.get(ConnectionConfig.CONNECTION_USER_CONFIG).addErrorMessage("mode=cdc needs a user with the"
                        + " REPLICATION attribute: ALTER ROLE " + user + " WITH REPLICATION");
            }
            boolean standby = "true".equals(single(c, "SELECT pg_is_in_recovery()::text", null));
            if (standby && c.getMetaData().getDatabaseMajorVersion() < 16) {
                url.addErrorMessage("connection.url names a hot standby running PostgreSQL "
                        + c.getMetaData().getDatabaseProductVersion() + ": logical decoding on a standby needs"
                        + " PostgreSQL 16 or later; connect to the primary");
            }
            ConfigValue slot = values.get(CdcConfig.SLOT_NAME_CONFIG);
            String slotName = String.valueOf(slot.value());
            boolean slotExists = "1".equals(single(c, "SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = ?", slotName));
            String free = single(c, "SELECT (current_setting('max_replication_slots')::int - count(*))::text FROM pg_replication_slots", null);
            if (!slotExists && Integer.parseInt(free) <= 0) {
                slot.addErrorMessage("slot.name=" + slotName + " does not exist and the server has no free"
                        + " replication slot: raise max_replication_slots or drop an unused slot"
                        + " (SELECT slot_name, active FROM pg_replication_slots)");
            }
            ConfigValue failover = values.get(CdcConfig.SLOT_FAILOVER_CONFIG);
            if (Boolean.TRUE.equals(failover.value()) && standby && !slotExists) {
                failover.addErrorMessage(CdcConfig.SLOT_FAILOVER_CONFIG + "=true, but connection.url names a hot"
                        + " standby, and a slot created on a standby cannot be a failover slot: set it to false");
            }
            if (Boolean.TRUE.equals(failover.value()) && c.getMetaData().getDatabaseMajorVersion() < 17) {
                failover.addErrorMessage(CdcConfig.SLOT_FAILOVER_CONFIG + "=true needs PostgreSQL 17 or later"
                        + " (failover slots); the server runs " + c.getMetaData().getDatabaseProductVersion()
                        + ": set it to false");
            }
            ConfigValue publication = values.get(CdcConfig.PUBLICATION_NAME_CONFIG);
            String publicationName = CdcConfig.publicationName(publication.value(), slot.value());
            PublicationAutocreateMode autocreate = ConfigValues.valid(values,
                    CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG, PublicationAutocreateMode.class);
            boolean publicationMissing = "0".equals(single(c, "SELECT count(*)::text FROM pg_publication WHERE"
                    + " pubname = ?", publicationName));
            if (autocreate == PublicationAutocreateMode.DISABLED && publicationMissing) {
                publication.addErrorMessage("publication.name=" + publicationName + " does not exist and"
                        + " publication.autocreate.mode=disabled: create it (CREATE PUBLICATION ... FOR TABLE ...)"
                        + " or set publication.autocreate.mode=filtered");
            } else if (autocreate != null && standby && publicationMissing) {
                values.get(CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG).addErrorMessage("publication.name="
                        + publicationName + " does not exist, and connection.url names a hot standby, where "
                        + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG + "=" + autocreate.configValue() + " cannot"
                        + " create it: create it on the primary (CREATE PUBLICATION ... FOR TABLE ...; it reaches the"
                        + " standby with the WAL) and set " + CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG
                        + "=disabled");
            }
            warnAboutUnavailableValues(c, connectorConfigs);
        } catch (SQLException e) {
            url.addErrorMessage("Cannot check the CDC prerequisites: " + e.getMessage());
        }
    }

    /** Logs, per selected table, when updates may leave large values out of the WAL (not an error: a choice). */
    private static void warnAboutUnavailableValues(Connection c, Map<String, String> connectorConfigs) {
        PostgresSourceConfig config;
        try {
            config = new PostgresSourceConfig(connectorConfigs);
        } catch (ConfigException e) {
            return; // the field errors say what to fix first
        }
        Handle handle = Jdbi.open(c);
        try {
            PartitionedTables.selector(config).select(handle).keySet()
                    .forEach(table -> UnavailableValues.profile(handle, table).warnIfLacking(log));
        } catch (JdbiException e) {
            log.warn("Cannot check the captured tables' replica identity: {}", e.getMessage());
        }
    }

    private static String single(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (parameter != null) {
                ps.setString(1, parameter);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
