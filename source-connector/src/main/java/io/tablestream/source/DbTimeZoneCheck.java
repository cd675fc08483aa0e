package io.tablestream.source;

import io.tablestream.jdbc.types.ColumnReader;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
 *
 * <p>The zone is the database's, not a table's: one check serves a task's (or a validation's) tables, asking the
 * database once.
 */
final class DbTimeZoneCheck {

    private static final Logger log = LoggerFactory.getLogger(DbTimeZoneCheck.class);

    static final String DATABASE_SETTING_SQL = """
            SELECT substr(c, strpos(c, '=') + 1)
            FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) c
            WHERE s.setrole = 0 AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND lower(split_part(c, '=', 1)) = 'timezone'""";

    static final String SERVER_SETTING_SQL = """
            SELECT setting FROM pg_file_settings
            WHERE lower(name) = 'timezone' AND applied AND error IS NULL
            ORDER BY seqno DESC LIMIT 1""";

    /** The view reads the function: a grant of one without the other must not fail the query. */
    static final String MAY_READ_SERVER_SETTINGS_SQL = "SELECT has_function_privilege('pg_show_all_file_settings()', 'EXECUTE')"
            + " AND has_table_privilege('pg_catalog.pg_file_settings', 'SELECT')";

    /**
     * Two zones give the same wall clock at every hour of the year before and after now (so DST rules, and the
     * hour they switch, count), as PostgreSQL itself converts them.
     */
    private static final String SAME_CLOCK_SQL = """
            SELECT bool_and((t AT TIME ZONE ?) = (t AT TIME ZONE %s))
            FROM generate_series(now() - interval '1 year', now() + interval '1 year', interval '1 hour') t""";

    /** The zone's UTC offset now, in seconds east, as PostgreSQL reads the zone's name. */
    private static final String OFFSET_NOW_SQL = "SELECT extract(epoch FROM (now() AT TIME ZONE ?) - (now() AT TIME ZONE 'UTC'))::int";

    /** Region names whose offset is the zone's now: the candidates for the same clock. */
    private static final String REGIONS_AT_OFFSET_SQL = """
            SELECT name FROM pg_timezone_names
            WHERE utc_offset = (now() AT TIME ZONE ?) - (now() AT TIME ZONE 'UTC') AND name LIKE '%/%'
              AND name NOT LIKE 'posix/%' AND name NOT LIKE 'Etc/%'
            ORDER BY name""";
    private static final int MAX_REGIONS_TRIED = 20;
    private static final Set<String> JAVA_REGIONS = ZoneId.getAvailableZoneIds();

    private final PostgresSourceConfig config;
    private final boolean logsUnknownZone;
    private Verdict verdict;
    private boolean unknownZoneLogged;

    /**
     * @param logsUnknownZone whether to log (once) that db.timezone's default is assumed when the database's zone
     *                        cannot be read: a task does, validation does not
     */
    DbTimeZoneCheck(PostgresSourceConfig config, boolean logsUnknownZone) {
        this.config = config;
        this.logsUnknownZone = logsUnknownZone;
    }

    /**
     * What the database says about its zone: null zone when connection.user may not read it; else whether
     * db.timezone gives the same clock, and the db.timezone value to suggest when it does not (null: none found).
     */
    private record Verdict(String databaseZone, boolean sameClock, String suggestion) {
    }

    /** The problem with reading {@code schema}'s timestamp column on db.timezone's clock, or null when there is none. */
    String problem(Handle handle, TableSchema schema, String what) {
        if (!config.mode().usesTimestamp()
                || config.originals().containsKey(PostgresSourceConfig.DB_TIMEZONE_CONFIG)) {
            return null; // a zone said explicitly is the user's knowledge of the column
        }
        ColumnReader column = schema.column(config.timestampColumn());
        if (column == null || !"timestamp".equals(column.column().typeName())) {
            return null; // timestamptz holds instants
        }
        Verdict found = verdict(handle);
        if (found.databaseZone() == null) {
            logUnknownZone(what);
            return null;
        }
        if (found.sameClock()) {
            return null;
        }
        String key = PostgresSourceConfig.DB_TIMEZONE_CONFIG;
        String assumed = config.dbTimeZone().getId();
        String fix = found.suggestion() != null ? "Set " + key + "=" + found.suggestion()
                : "Set " + key + " to a zone whose wall clock is that of TimeZone " + found.databaseZone()
                + " at every time of year (a region such as Europe/Berlin, or a fixed offset such as -02:00)";
        return key + " is not set, so the values of timestamp (without time zone) column " + config.timestampColumn()
                + " of " + what + " are read as " + assumed + " wall-clock times, but this database's sessions use"
                + " TimeZone " + found.databaseZone() + " (DEFAULT now() writes times of that zone): the poll's bound"
                + " for open transactions would be hours off, so rows would be skipped or held back. " + fix + ", or "
                + key + "=" + assumed + " if the column holds such times";
    }

    private void logUnknownZone(String what) {
        if (logsUnknownZone && !unknownZoneLogged) {
            unknownZoneLogged = true;
            log.info("{}={} is assumed for timestamp (without time zone) column {} of {}: connection.user may not read"
                            + " the zone this database's sessions use (it is set neither by ALTER DATABASE ... SET TimeZone"
                            + " nor readably in the server's configuration). Set {} explicitly to the zone of the column's"
                            + " writers", PostgresSourceConfig.DB_TIMEZONE_CONFIG, config.dbTimeZone().getId(),
                    config.timestampColumn(), what, PostgresSourceConfig.DB_TIMEZONE_CONFIG);
        }
    }

    private Verdict verdict(Handle handle) {
        if (verdict == null) {
            String zone = databaseZone(handle).orElse(null);
            if (zone == null) {
                verdict = new Verdict(null, true, null);
            } else if (sameClock(handle, zone, config.dbTimeZone().getId())) {
                verdict = new Verdict(zone, true, null);
            } else {
                verdict = new Verdict(zone, false, equivalentJavaZone(handle, zone).orElse(null));
            }
        }
        return verdict;
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

    /**
     * A db.timezone value (read by Java) with the clock PostgreSQL gives {@code pgZone}: the name itself when Java
     * reads it so (a POSIX {@code UTC+2} is two hours WEST of UTC for PostgreSQL, east for Java), else a fixed
     * offset, else a region of the same offset now whose clock matches all year.
     */
    static Optional<String> equivalentJavaZone(Handle handle, String pgZone) {
        if (parsesAsJavaZone(pgZone) && sameClock(handle, pgZone, pgZone)) {
            return Optional.of(pgZone);
        }
        int offsetSeconds = handle.createQuery(OFFSET_NOW_SQL).bind(0, PollQuery.sessionZone(pgZone))
                .mapTo(Integer.class).one();
        String offset = ZoneOffset.ofTotalSeconds(offsetSeconds).getId();
        if (sameClock(handle, pgZone, offset)) {
            return Optional.of(offset);
        }
        List<String> regions = handle.createQuery(REGIONS_AT_OFFSET_SQL).bind(0, PollQuery.sessionZone(pgZone))
                .mapTo(String.class).list();
        return regions.stream().filter(JAVA_REGIONS::contains).limit(MAX_REGIONS_TRIED)
                .filter(region -> sameClock(handle, pgZone, region)).findFirst();
    }

    private static boolean parsesAsJavaZone(String zone) {
        try {
            ZoneId.of(zone);
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    /**
     * Whether a session in PostgreSQL's {@code pgZone} and Java's {@code javaZone} give the same wall clock all
     * year.
     */
    private static boolean sameClock(Handle handle, String pgZone, String javaZone) {
        return handle.createQuery(SAME_CLOCK_SQL.formatted(PollQuery.zoneLiteral(javaZone)))
                .bind(0, PollQuery.sessionZone(pgZone)).mapTo(Boolean.class).one();
    }
}
