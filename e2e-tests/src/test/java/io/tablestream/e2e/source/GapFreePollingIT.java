package io.tablestream.e2e.source;

import io.tablestream.e2e.LogCapture;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.TopicReader;

import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Struct;
import org.apache.logging.log4j.Level;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row that takes its id (or timestamp) early and commits late is not skipped: transaction A inserts id 5 and stays
 * open, B inserts id 6 and commits, the connector polls (and must hold 6 back), A commits, and both rows arrive, in
 * order, exactly once.
 */
@ExtendWith(TablestreamStack.class)
record GapFreePollingIT(Stack stack, ClassDatabase database) {

    private static final Duration TIMEOUT = ClassDatabase.TIMEOUT;

    @Test
    void incrementingModeWaitsForTheOlderTransaction() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE inc_rows (id bigint PRIMARY KEY, note text NOT NULL);
                INSERT INTO inc_rows SELECT g, 'row ' || g FROM generate_series(1, 4) g"""));
        deploy("gap-inc", Map.of("mode", "incrementing", "incrementing.column.name", "id", "table.include.list", "inc_rows"));
        String topic = "gap.inc_rows";
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 4L, TIMEOUT);

        try (Handle a = database.db().open()) {
            a.begin();
            a.execute("INSERT INTO inc_rows VALUES (5, 'early id, late commit')");
            database.db().useHandle(b -> b.execute("INSERT INTO inc_rows VALUES (6, 'committed first')"));
            awaitPolls("inc_rows", 2);
            List<Object> whileOpen = TopicReader.ids(TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> values.size() >= 4, TIMEOUT));
            assertFalse(whileOpen.contains(6L), "row 6 must wait for the older transaction: " + whileOpen);
            a.commit();
        }
        database.db().useHandle(h -> h.execute("INSERT INTO inc_rows VALUES (7, 'marker')"));
        List<Object> ids = TopicReader.ids(TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 7L, TIMEOUT));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), ids);
        stack.rest().deleteConnector("gap-inc");
    }

    @Test
    void timestampModeWaitsForTheOlderTransactionWithAnEarlierStamp() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE ts_rows (id int PRIMARY KEY, updated_at timestamptz NOT NULL);
                INSERT INTO ts_rows SELECT g, now() - interval '1 hour' + g * interval '1 second' FROM generate_series(1, 4) g"""));
        deploy("gap-ts", Map.of("mode", "timestamp", "timestamp.column.name", "updated_at", "table.include.list", "ts_rows"));
        String topic = "gap.ts_rows";
        TopicReader.readUntil(stack.kafka().bootstrapServers(), topic, values -> values.size() >= 4, TIMEOUT);

        try (Handle a = database.db().open()) {
            a.begin();
            a.execute("INSERT INTO ts_rows VALUES (5, now() - interval '10 minutes')"); // stamped earlier than 6
            database.db().useHandle(b -> b.execute("INSERT INTO ts_rows VALUES (6, now())"));
            awaitPolls("ts_rows", 2);
            List<Object> whileOpen = TopicReader.ids(TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> values.size() >= 4, TIMEOUT));
            assertFalse(whileOpen.contains(6), "row 6 must wait for the older transaction: " + whileOpen);
            a.commit();
        }
        database.db().useHandle(h -> h.execute("INSERT INTO ts_rows VALUES (7, now())"));
        List<Object> ids = TopicReader.ids(TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 7, TIMEOUT));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), ids);
        stack.rest().deleteConnector("gap-ts");
    }

    /**
     * A stamp column of reduced precision rounds {@code now()}: A begins (and only reads) early in a second, B
     * begins after it, inserts and commits, the connector polls, A inserts and commits. Both rows are stamped with
     * that whole second, before A began: A's row must not be skipped.
     */
    @Test
    void aStampRoundedToTheSecondWaitsForTheTransactionThatBeganInThatSecond() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE second_rows (id int PRIMARY KEY, note text NOT NULL,
                                          updated_at timestamptz(0) NOT NULL DEFAULT now());
                INSERT INTO second_rows SELECT g, 'row ' || g, now() - interval '1 hour' + g * interval '1 second'
                FROM generate_series(1, 3) g"""));
        deploy("gap-second", Map.of("mode", "timestamp", "timestamp.column.name", "updated_at",
                "table.include.list", "second_rows"));
        String topic = "gap.second_rows";
        TopicReader.readUntil(stack.kafka().bootstrapServers(), topic, values -> values.size() >= 3, TIMEOUT);

        try (Handle a = database.db().open(); Handle b = database.db().open()) {
            beginInTheFirstHalfOfOneSecond(a, b);
            b.execute("INSERT INTO second_rows (id, note) VALUES (4, 'B, committed first')");
            b.commit();
            awaitPolls("second_rows", 2);
            List<Object> whileOpen = TopicReader.ids(TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> values.size() >= 3, TIMEOUT));
            assertEquals(List.of(1, 2, 3), whileOpen, "B's row shares its stamp with the row A will write");
            a.execute("INSERT INTO second_rows (id, note) VALUES (5, 'A, began first')");
            a.commit();
        }
        database.db().useHandle(h -> h.execute("INSERT INTO second_rows VALUES (6, 'marker', now() + interval '1 second')"));
        List<Object> ids = TopicReader.ids(TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 6, TIMEOUT));
        assertEquals(6, ids.size(), "each row once: " + ids);
        assertEquals(List.of(1, 2, 3), ids.subList(0, 3));
        assertEquals(java.util.Set.of(4, 5), java.util.Set.copyOf(ids.subList(3, 5)), "A and B share a stamp: " + ids);
        stack.rest().deleteConnector("gap-second");
    }

    /**
     * Begins A, then B, both in the first half of the same second (so now() of each rounds down to it), neither
     * having written; tries again at the next second when the machine was too slow for that, a bounded number of
     * times.
     */
    private static void beginInTheFirstHalfOfOneSecond(Handle a, Handle b) {
        String fraction = "SELECT extract(epoch FROM now()) - floor(extract(epoch FROM now()))";
        List<String> seen = new java.util.ArrayList<>();
        for (int attempt = 0; attempt < 30; attempt++) {
            while (a.createQuery("SELECT extract(epoch FROM clock_timestamp()) - floor(extract(epoch FROM clock_timestamp()))")
                    .mapTo(Double.class).one() > 0.2) {
                Pause.millis(10);
            }
            a.begin();
            double aFraction = a.createQuery(fraction).mapTo(Double.class).one(); // A's now() is fixed here
            b.begin();
            double bFraction = b.createQuery(fraction).mapTo(Double.class).one();
            boolean sameSecond = a.createQuery("SELECT floor(extract(epoch FROM now()))").mapTo(Double.class).one()
                    .equals(b.createQuery("SELECT floor(extract(epoch FROM now()))").mapTo(Double.class).one());
            if (sameSecond && aFraction < 0.5 && bFraction < 0.5) {
                return;
            }
            seen.add("A " + aFraction + ", B " + bFraction + (sameSecond ? "" : " (another second)"));
            a.rollback();
            b.rollback();
        }
        throw new AssertionError("A and B never began in the first half of one second; fractions seen: " + seen);
    }

    /**
     * Rows sharing a position across the batch limit (2) wait whole while one of them waits: A takes a transaction
     * id and inserts a row at (stamp T, id 2), C inserts another there and commits (after A, so it waits for A);
     * no row at that position arrives while A is open (the offset cannot stand inside their group), and every one
     * arrives once after. In timestamp+incrementing mode, whose rows written before A began do not wait (in
     * incrementing mode a connector started after A holds every row until A ends).
     */
    @Test
    void rowsSharingAPositionWaitTogetherForAnOlderTransaction() {
        String stamp = "timestamptz '2020-01-01 00:00:01+00'";
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE held_group (seq bigint NOT NULL, note text NOT NULL, updated_at timestamptz NOT NULL);
                INSERT INTO held_group VALUES (1, 'one', timestamptz '2020-01-01 00:00:00+00');
                INSERT INTO held_group SELECT 2, 'two, old ' || g, %s FROM generate_series(1, 10) g""".formatted(stamp)));
        String topic = "gap.held_group";
        try (Handle a = database.db().open()) {
            a.begin();
            a.execute("INSERT INTO held_group VALUES (2, 'two, by A', " + stamp + ")");
            database.db().useHandle(c -> c.execute("INSERT INTO held_group VALUES (2, 'two, by C', " + stamp + ")"));
            deploy("gap-held-group", Map.of("mode", "timestamp+incrementing", "incrementing.column.name", "seq",
                    "timestamp.column.name", "updated_at", "table.include.list", "held_group", "batch.max.rows", "2"));
            TopicReader.readUntil(stack.kafka().bootstrapServers(), topic, values -> !values.isEmpty(), TIMEOUT);
            awaitPolls("held_group", 3);
            List<Struct> whileOpen = TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> !values.isEmpty(), TIMEOUT);
            assertEquals(List.of(1L), whileOpen.stream().map(v -> v.get("seq")).toList(), "id 2 waits for A");
            a.commit();
        }
        database.db().useHandle(h -> h.execute("INSERT INTO held_group VALUES (3, 'marker', now())"));
        List<Struct> values = TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                v -> v.stream().anyMatch(r -> Long.valueOf(3).equals(r.get("seq"))), TIMEOUT);
        stack.rest().deleteConnector("gap-held-group");
        List<String> twos = values.stream().filter(v -> Long.valueOf(2).equals(v.get("seq")))
                .map(v -> (String) v.get("note")).sorted().toList();
        List<String> expected = new java.util.ArrayList<>(List.of("two, by A", "two, by C"));
        for (int g = 1; g <= 10; g++) {
            expected.add("two, old " + g);
        }
        assertEquals(expected.stream().sorted().toList(), twos, "each row with id 2 once");
        assertEquals(14, values.size(), "1, twelve rows with id 2, 3: " + values);
    }

    /** A transaction that has only read so far holds back the rows stamped after it began (see {@link #nowRace}). */
    @Test
    void timestampModesWaitForAnOpenTransactionThatHasNotWrittenYet() {
        nowRace("gap-now", "now_rows", Map.of());
    }

    /** Without pg_read_all_stats other roles' transaction starts are hidden: the task says so at start, with the fix. */
    @Test
    void aRoleWithoutPgReadAllStatsIsWarnedAtStart() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE blind_rows (id bigint PRIMARY KEY);
                INSERT INTO blind_rows VALUES (1);
                DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_blind') THEN
                  CREATE ROLE gap_blind LOGIN; END IF; END $$;
                GRANT SELECT ON blind_rows TO gap_blind"""));
        try (LogCapture logs = LogCapture.capture()) {
            deploy("gap-blind", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                    "table.include.list", "blind_rows", "connection.user", "gap_blind", "connection.password", ""));
            TopicReader.readUntilId(stack.kafka().bootstrapServers(), "gap.blind_rows", 1L, TIMEOUT);
            assertTrue(logs.messages(Level.WARN).stream().anyMatch(m -> m.contains("connection.user gap_blind")
                    && m.contains("GRANT pg_read_all_stats TO gap_blind")), String.valueOf(logs.messages(Level.WARN)));
        }
        stack.rest().deleteConnector("gap-blind");
    }

    /**
     * The same with a connector whose role is not a superuser: with pg_read_all_stats it sees when the other role's
     * transaction began.
     */
    @Test
    void aRoleWithPgReadAllStatsSeesOtherRolesTransactions() {
        database.db().useHandle(h -> h.execute("""
                DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gap_poller') THEN
                  CREATE ROLE gap_poller LOGIN; END IF; END $$;
                GRANT pg_read_all_stats TO gap_poller;
                GRANT SELECT ON ALL TABLES IN SCHEMA public TO gap_poller;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO gap_poller"""));
        nowRace("gap-now-role", "now_role_rows", Map.of("connection.user", "gap_poller", "connection.password", ""));
    }

    /**
     * {@code DEFAULT now()} stamps a row with its transaction's START: A begins and only reads (no transaction id
     * yet), B inserts and commits, the connector polls, then A inserts and commits a row stamped before B's.
     */
    private void nowRace(String connector, String table, Map<String, String> extra) {
        database.db().useHandle(h -> h.execute("CREATE TABLE " + table + """
                 (id bigserial PRIMARY KEY, note text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO\s""" + table + " (note) SELECT 'row ' || g FROM generate_series(1, 3) g"));
        Map<String, String> config = new HashMap<>(extra);
        config.putAll(Map.of("mode", "timestamp+incrementing", "timestamp.column.name", "updated_at",
                "incrementing.column.name", "id", "table.include.list", table));
        deploy(connector, config);
        String topic = "gap." + table;
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 3L, TIMEOUT);

        try (Handle a = database.db().open()) {
            a.begin();
            a.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one(); // A's now() is fixed here
            assertNull(a.createQuery("SELECT pg_current_xact_id_if_assigned()::text").mapTo(String.class).one());
            database.db().useHandle(b -> b.execute("INSERT INTO " + table + " (note) VALUES ('B, committed first')"));
            awaitPolls(table, 2);
            List<Object> whileOpen = TopicReader.ids(TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> values.size() >= 3, TIMEOUT));
            assertEquals(List.of(1L, 2L, 3L), whileOpen, "B's row must wait for A, whose stamps are older");
            a.execute("INSERT INTO " + table + " (note) VALUES ('A, stamped at its start')");
            a.commit();
        }
        database.db().useHandle(h -> h.execute("INSERT INTO " + table + " (note) VALUES ('marker')"));
        List<Struct> values = TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                v -> v.stream().anyMatch(r -> "marker".equals(r.get("note"))), TIMEOUT);
        assertEquals(List.of("row 1", "row 2", "row 3", "A, stamped at its start", "B, committed first", "marker"),
                values.stream().map(v -> v.get("note")).toList());
        stack.rest().deleteConnector(connector);
    }

    /**
     * An id handed out before its transaction has a transaction id: A takes id 4 from the sequence (no write yet),
     * B inserts 5 and commits, the connector polls, then A inserts 4 and commits.
     */
    @Test
    void incrementingModeWaitsForAnIdTakenBeforeItsTransactionWrote() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE seq_rows (id bigserial PRIMARY KEY, note text NOT NULL);
                INSERT INTO seq_rows (note) SELECT 'row ' || g FROM generate_series(1, 3) g"""));
        deploy("gap-seq", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "seq_rows"));
        String topic = "gap.seq_rows";
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), topic, 3L, TIMEOUT);

        try (Handle a = database.db().open()) {
            a.begin();
            long early = a.createQuery("SELECT nextval('seq_rows_id_seq')").mapTo(Long.class).one();
            assertNull(a.createQuery("SELECT pg_current_xact_id_if_assigned()::text").mapTo(String.class).one(),
                    "this test needs a nextval that did not log the sequence (it would give A a transaction id)");
            database.db().useHandle(b -> b.execute("INSERT INTO seq_rows (note) VALUES ('B, committed first')"));
            awaitPolls("seq_rows", 2);
            List<Object> whileOpen = TopicReader.ids(TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                    values -> values.size() >= 3, TIMEOUT));
            assertEquals(List.of(1L, 2L, 3L), whileOpen, "B's row must wait for A, which holds an older id");
            a.createUpdate("INSERT INTO seq_rows VALUES (?, 'A, id taken early')").bind(0, early).execute();
            a.commit();
        }
        database.db().useHandle(h -> h.execute("INSERT INTO seq_rows (note) VALUES ('marker')"));
        List<Struct> values = TopicReader.readUntil(stack.kafka().bootstrapServers(), topic,
                v -> v.stream().anyMatch(r -> "marker".equals(r.get("note"))), TIMEOUT);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), TopicReader.ids(values));
        assertEquals("A, id taken early", values.get(3).get("note"));
        stack.rest().deleteConnector("gap-seq");
    }

    private void deploy(String name, Map<String, String> modeConfig) {
        database.deploy(name, ConnectorConfigs.with(ConnectorConfigs.source(stack, database.url(), "gap.",
                "poll.interval.ms", "100"), modeConfig));
    }

    private void awaitPolls(String table, int polls) {
        awaitPolls(database.db(), table, polls);
    }

    /** Waits until the connector has queried the table {@code polls} more times (PostgreSQL's scan counters). */
    static void awaitPolls(Jdbi db, String table, int polls) {
        long start = scans(db, table);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (scans(db, table) < start + polls) {
            assertTrue(System.nanoTime() < deadline, "the connector did not poll " + table + " within " + TIMEOUT);
            Pause.millis(100);
        }
    }

    private static long scans(Jdbi db, String table) {
        return db.withHandle(h -> {
            h.execute("SELECT pg_stat_clear_snapshot()");
            return h.createQuery("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = ?")
                    .bind(0, table).mapTo(Long.class).one();
        });
    }
}
