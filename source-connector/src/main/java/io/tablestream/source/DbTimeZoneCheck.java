package io.tablestream.source;

import io.tablestream.jdbc.types.ColumnReader;
import org.jdbi.v3.core.Handle;

import java.util.Optional;

/**
 * Refuses a timestamp (without time zone) column read in a zone other than the database's, when db.timezone was
 * left to its default.
 *
 * <p>Why: such a column holds wall-clock times of the zone its writers' sessions use, normally the database's
 * TimeZone ({@code DEFAULT now()} writes the transaction's start on that clock). Timestamp modes bound each poll
 * by the start of the oldest open transaction read on db.timezone's clock: on a clock behind the writers' the
 * bound lets through rows stamped after an open transaction began, whose own row is then skipped for ever; on a
 * clock ahead of it, rows wait hours. The database's zone is what new sessions get without a client setting
 * ({@code ALTER DATABASE ... SET TimeZone}, else the server's configuration when connection.user may read it);
 * pgjdbc sends the JVM's zone at login, so the connector's own session does not tell.
 */
final class DbTimeZoneCheck {

    static final String DATABASE_SETTING_SQL = """
            SELECT substr(c, strpos(c, '=') + 1)
            FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) c
            WHERE s.setrole = 0 AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND lower(split_part(c, '=', 1)) = 'timezone'""";

    static final String SERVER_SETTING_SQL = """
            SELECT setting FROM pg_file_settings
            WHERE lower(name) = 'timezone' AND applied AND error IS NULL
            ORDER BY seqno DESC LIMIT 1""";

    static final String MAY_READ_SERVER_SETTINGS_SQL = "SELECT has_function_privilege('pg_show_all_file_settings()', 'EXECUTE')";

    /**
     * Two zones give the same wall clock at every instant sampled weekly over two years (so DST rules count), as
     * PostgreSQL itself converts them.
     */
    private static final String SAME_CLOCK_SQL = """
            SELECT bool_and((t AT TIME ZONE ?) = (t AT TIME ZONE %s))
            FROM generate_series(timestamptz '2024-01-01 00:00+00', timestamptz '2025-12-31 00:00+00', interval '7 days') t""";

    private DbTimeZoneCheck() {
    }

    /** The problem with reading {@code schema}'s timestamp column on db.timezone's clock, or null when there is none. */
    static String problem(Handle handle, PostgresSourceConfig config, TableSchema schema, String what) {
        if (!config.mode().usesTimestamp()
                || config.originals().containsKey(PostgresSourceConfig.DB_TIMEZONE_CONFIG)) {
            return null; // a zone said explicitly is the user's knowledge of the column
        }
        ColumnReader column = schema.column(config.timestampColumn());
        if (column == null || !"timestamp".equals(column.column().typeName())) {
            return null; // timestamptz holds instants
        }
        Optional<String> databaseZone = databaseZone(handle);
        if (databaseZone.isEmpty() || sameClock(handle, databaseZone.get(), config.dbTimeZone().getId())) {
            return null;
        }
        String zone = databaseZone.get();
        return PostgresSourceConfig.DB_TIMEZONE_CONFIG + " is not set, so the values of timestamp (without time zone)"
                + " column " + config.timestampColumn() + " of " + what + " are read as " + config.dbTimeZone().getId()
                + " wall-clock times, but this database's sessions use TimeZone " + zone + " (DEFAULT now() writes"
                + " times of that zone): the poll's bound for open transactions would be hours off, so rows would be"
                + " skipped or held back. Set " + PostgresSourceConfig.DB_TIMEZONE_CONFIG + "=" + zone + ", or "
                + PostgresSourceConfig.DB_TIMEZONE_CONFIG + "=" + config.dbTimeZone().getId()
                + " if the column holds such times";
    }

    /** The TimeZone new sessions of this database get without a client setting, when the connector may know it. */
    static Optional<String> databaseZone(Handle handle) {
        Optional<String> database = handle.createQuery(DATABASE_SETTING_SQL).mapTo(String.class).findFirst();
        if (database.isPresent()) {
            return database;
        }
        boolean mayRead = handle.createQuery(MAY_READ_SERVER_SETTINGS_SQL).mapTo(Boolean.class).one();
        return mayRead ? handle.createQuery(SERVER_SETTING_SQL).mapTo(String.class).findFirst() : Optional.empty();
    }

    private static boolean sameClock(Handle handle, String databaseZone, String configZone) {
        return handle.createQuery(SAME_CLOCK_SQL.formatted(PollQuery.zoneLiteral(configZone)))
                .bind(0, databaseZone).mapTo(Boolean.class).one();
    }
}
