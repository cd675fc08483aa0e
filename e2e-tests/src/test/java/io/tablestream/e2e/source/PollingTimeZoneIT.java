package io.tablestream.e2e.source;

import io.tablestream.e2e.LogCapture;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.connect.data.Struct;
import org.apache.logging.log4j.Level;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.ValidationErrors.onlyError;
import static io.tablestream.e2e.reliability.Fixtures.awaitTaskFailed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code timestamp} (without time zone) column holds wall-clock times of the zone its writers' sessions use,
 * usually the database's TimeZone. Here that is New York, five hours behind UTC: read as UTC, a transaction's
 * start ({@code DEFAULT now()}) would not hold back the rows stamped after it, and its own row would be skipped.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
record PollingTimeZoneIT(Stack stack, ClassDatabase database) {

    private static final Duration TIMEOUT = ClassDatabase.TIMEOUT;
    private static final String ZONE = "America/New_York";

    @BeforeAll
    void databaseInNewYork() {
        setDatabaseZone(ZONE);
    }

    /**
     * Left unset, db.timezone would be UTC: validate (and so creating the connector) refuses it, naming the
     * database's zone; a connector created (and started) while the database was in UTC fails at its next start
     * once it is not.
     */
    @Test
    void aTimestampColumnOfADatabaseInAnotherZoneNeedsDbTimezone() {
        createTable("unset_rows");
        Map<String, String> config = config("unset_rows", Map.of());
        String error = onlyError(stack.rest().validate("PostgresSourceConnector", config), "db.timezone");
        assertTrue(error.contains(ZONE) && error.contains("db.timezone=" + ZONE) && error.contains("updated_at"), error);
        ConnectRestException refused = assertThrows(ConnectRestException.class,
                () -> stack.rest().createOrUpdateConnector("tz-unset", config));
        assertTrue(refused.getMessage().contains("db.timezone=" + ZONE), refused.getMessage());

        setDatabaseZone("UTC");
        try {
            database.deploy("tz-unset", config);
            TopicReader.readUntilId(stack.kafka().bootstrapServers(), "tz.unset_rows", 3L, TIMEOUT); // it has started
        } finally {
            setDatabaseZone(ZONE);
        }
        stack.rest().restartConnector("tz-unset", true, false);
        String trace = awaitTaskFailed(stack.rest(), "tz-unset");
        assertTrue(trace.contains("db.timezone=" + ZONE), trace);
        stack.rest().deleteConnector("tz-unset");

        Map<String, String> utc = config("unset_rows", Map.of("db.timezone", "UTC")); // said explicitly: the user knows
        assertEquals(0, stack.rest().validate("PostgresSourceConnector", utc).get("error_count").asInt());
    }

    /**
     * PostgreSQL reads a POSIX zone such as {@code UTC+2} as two hours WEST of UTC, Java as two hours east: the
     * suggested db.timezone gives PostgreSQL's clock as Java reads it, never the name verbatim.
     */
    @Test
    void theSuggestedDbTimezoneIsTheDatabasesClockAsJavaReadsIt() {
        createTable("posix_rows");
        Map<String, String> config = config("posix_rows", Map.of());
        // A session in CET keeps summer time, although AT TIME ZONE 'CET' is +01 all year
        Map<String, String> suggestions = Map.of("UTC+2", "db.timezone=-02:00", "Asia/Tokyo", "db.timezone=Asia/Tokyo",
                "CET", "db.timezone=CET");
        try {
            suggestions.forEach((zone, suggested) -> {
                setDatabaseZone(zone);
                String error = onlyError(stack.rest().validate("PostgresSourceConnector", config), "db.timezone");
                assertTrue(error.contains("TimeZone " + zone) && error.contains(suggested), error);
            });
            Map<String, String> cet = config("posix_rows", Map.of("db.timezone", "CET"));
            assertEquals(0, stack.rest().validate("PostgresSourceConnector", cet).get("error_count").asInt());
        } finally {
            setDatabaseZone(ZONE);
        }
    }

    /**
     * A role that may run pg_show_all_file_settings() but not read the view pg_file_settings cannot read the server's
     * zone: validation passes (no unrelated error on connection.url), and the task says once that db.timezone=UTC is
     * assumed, naming column and table.
     */
    @Test
    void aZoneTheRoleCannotReadIsAssumedAndLoggedOnce() {
        createTable("unread_rows");
        database.db().useHandle(h -> h.execute("""
                DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tz_partial') THEN
                  CREATE ROLE tz_partial LOGIN; END IF; END $$;
                GRANT EXECUTE ON FUNCTION pg_show_all_file_settings() TO tz_partial;
                GRANT SELECT ON unread_rows TO tz_partial"""));
        Map<String, String> config = config("unread_rows", Map.of("connection.user", "tz_partial",
                "connection.password", ""));
        database.db().useHandle(h -> h.execute("ALTER DATABASE " + database.name() + " RESET TimeZone"));
        try (LogCapture logs = LogCapture.capture()) {
            assertEquals(0, stack.rest().validate("PostgresSourceConnector", config).get("error_count").asInt());
            database.deploy("tz-unread", config);
            TopicReader.readUntilId(stack.kafka().bootstrapServers(), "tz.unread_rows", 3L, TIMEOUT);
            List<String> assumed = logs.messages(Level.INFO).stream()
                    .filter(m -> m.contains("db.timezone=UTC is assumed")).toList();
            assertEquals(1, assumed.size(), String.valueOf(assumed));
            assertTrue(assumed.get(0).contains("column updated_at of public.unread_rows"), assumed.get(0));
        } finally {
            setDatabaseZone(ZONE);
        }
        stack.rest().deleteConnector("tz-unread");
    }

    private void setDatabaseZone(String zone) {
        database.db().useHandle(h -> h.execute("ALTER DATABASE " + database.name() + " SET TimeZone = '" + zone + "'"));
    }

    /**
     * With db.timezone naming the database's zone, A begins and only reads, B inserts and commits, the connector
     * polls, A inserts and commits: A's row, stamped before B's, arrives before it.
     */
    @Test
    void aLateCommitIsReadWhenDbTimezoneNamesTheWritersZone() {
        String table = "ny_rows";
        String connector = "tz-ny";
        createTable(table);
        database.deploy(connector, config(table, Map.of("db.timezone", ZONE)));
        String topic = "tz." + table;
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 3L, TIMEOUT);
        try (Handle a = writer()) {
            a.begin();
            a.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one(); // A's now() is fixed here
            try (Handle b = writer()) {
                b.execute("INSERT INTO " + table + " (note) VALUES ('B, committed first')");
            }
            GapFreePollingIT.awaitPolls(database.db(), table, 2);
            a.execute("INSERT INTO " + table + " (note) VALUES ('A, stamped at its start')");
            a.commit();
        }
        try (Handle h = writer()) {
            h.execute("INSERT INTO " + table + " (note) VALUES ('marker')");
        }
        List<Struct> values = TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                v -> v.stream().anyMatch(r -> "marker".equals(r.get("note"))), TIMEOUT);
        assertEquals(List.of("row 1", "row 2", "row 3", "A, stamped at its start", "B, committed first", "marker"),
                values.stream().map(v -> v.get("note")).toList());
        stack.rest().deleteConnector(connector);
    }

    private void createTable(String table) {
        try (Handle h = writer()) {
            h.execute("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, note text NOT NULL,"
                    + " updated_at timestamp NOT NULL DEFAULT now())");
            h.execute("INSERT INTO " + table + " (note) SELECT 'row ' || g FROM generate_series(1, 3) g");
        }
    }

    /**
     * A session as the database's own clients get it (pgjdbc sends the JVM's zone at login, which overrides the
     * database's TimeZone, so it is set again here).
     */
    private Handle writer() {
        Handle handle = database.db().open();
        handle.execute("SET TimeZone = '" + ZONE + "'");
        return handle;
    }

    private Map<String, String> config(String table, Map<String, String> extra) {
        return ConnectorConfigs.with(ConnectorConfigs.with(ConnectorConfigs.source(stack, database.url(), "tz.",
                "poll.interval.ms", "100"), Map.of("mode", "timestamp+incrementing", "timestamp.column.name", "updated_at",
                "incrementing.column.name", "id", "table.include.list", table)), extra);
    }
}
