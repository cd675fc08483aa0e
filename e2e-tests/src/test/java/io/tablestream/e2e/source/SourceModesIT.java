package io.tablestream.e2e.source;

import io.tablestream.testkit.Pause;
import io.tablestream.testkit.TopicReader;

import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bulk and query modes, table discovery, several tasks, stop/resume and moving offsets, through the REST API. */
@ExtendWith(TablestreamStack.class)
record SourceModesIT(Stack stack, ClassDatabase database) {

    private static final Duration TIMEOUT = ClassDatabase.TIMEOUT;

    private Map<String, String> config(String prefix, Map<String, String> extra) {
        return ConnectorConfigs.with(ConnectorConfigs.source(stack, database.url(), prefix), extra);
    }

    private void deploy(String name, Map<String, String> config) {
        database.deploy(name, config);
    }

    private String bootstrap() {
        return stack.kafka().bootstrapServers();
    }

    @Test
    void bulkModeReadsTheWholeTableOnEveryPoll() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE bulk_rows (id int PRIMARY KEY, name text);
                INSERT INTO bulk_rows VALUES (1, 'one'), (2, 'two'), (3, 'three')"""));
        deploy("modes-bulk", config("bulk.", Map.of("mode", "bulk", "table.include.list", "bulk_rows",
                "batch.max.rows", "2")));
        List<Struct> values = TopicReader.readUntil(bootstrap(), "bulk.bulk_rows", v -> v.size() >= 6, TIMEOUT);
        stack.rest().deleteConnector("modes-bulk");
        for (List<Struct> scan : List.of(values.subList(0, 3), values.subList(3, 6))) {
            assertEquals(Map.of(1, "one", 2, "two", 3, "three"), byId(scan));
        }
    }

    @Test
    void queryModeWritesTheQueryRowsToThePrefixTopic() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE q_customers (id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE q_orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(8,2) NOT NULL);
                INSERT INTO q_customers VALUES (1, 'Ada'), (2, 'Grace');
                INSERT INTO q_orders VALUES (10, 1, 5.25), (11, 2, 7.00)"""));
        deploy("modes-query", config("query_topic", Map.of("mode", "query",
                "query", "SELECT o.id, c.name, o.amount FROM q_orders o JOIN q_customers c ON c.id = o.customer_id",
                "query.suffix", "ORDER BY o.id")));
        List<Struct> values = TopicReader.readUntil(bootstrap(), "query_topic", v -> v.size() >= 2, TIMEOUT);
        stack.rest().deleteConnector("modes-query");
        assertEquals(List.of(10, 11), TopicReader.ids(values.subList(0, 2)));
        assertEquals("Ada", values.get(0).get("name"));
        assertEquals(new java.math.BigDecimal("7.00"), values.get(1).get("amount"));
    }

    /** Confluent's query with timestamp+incrementing: the query's new and changed rows, in (stamp, id) order. */
    @Test
    void aQueryWithTimestampIncrementingReadsItsNewAndChangedRows() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE qi_customers (id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE qi_orders (id bigint PRIMARY KEY, customer_id int NOT NULL,
                                        updated_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE qi_other (id bigint PRIMARY KEY);
                INSERT INTO qi_customers VALUES (1, 'Ada'), (2, 'Grace');
                INSERT INTO qi_other VALUES (1);
                INSERT INTO qi_orders VALUES (10, 1, now() - interval '2 minutes'), (11, 2, now() - interval '1 minute')"""));
        deploy("modes-query-inc", config("qi_topic", Map.of("mode", "timestamp+incrementing",
                "incrementing.column.name", "id", "timestamp.column.name", "updated_at",
                "query", "SELECT o.id, o.updated_at, c.name FROM qi_orders o JOIN qi_customers c ON c.id = o.customer_id")));
        TopicReader.readUntilId(bootstrap(), "qi_topic", 11L, TIMEOUT);
        database.db().useHandle(h -> h.execute(
                "UPDATE qi_orders SET customer_id = 2, updated_at = now() WHERE id = 10"));
        List<Struct> values = TopicReader.readUntil(bootstrap(), "qi_topic", v -> v.size() >= 3, TIMEOUT);
        String topics = stack.rest().send("GET", "/connectors/modes-query-inc/topics", null, TIMEOUT).body();
        stack.rest().deleteConnector("modes-query-inc");
        assertEquals(List.of(10L, 11L, 10L), TopicReader.ids(values));
        assertEquals("Grace", values.get(2).get("name"));
        assertTrue(topics.contains("\"qi_topic\"") && !topics.contains("qi_topicqi_"), "the query only: " + topics);
    }

    @Test
    void aTableCreatedWhileTheConnectorRunsIsPickedUpWithoutARestart() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE disc_a (id bigint PRIMARY KEY);
                INSERT INTO disc_a VALUES (1)"""));
        deploy("modes-discovery", config("disc.", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "disc_.*", "table.poll.interval.ms", "500", "tasks.max", "2")));
        TopicReader.readUntilId(bootstrap(), "disc.disc_a", 1L, TIMEOUT);
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE disc_b (id bigint PRIMARY KEY, label text);
                INSERT INTO disc_b VALUES (1, 'new table'), (2, 'second row')"""));
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "disc.disc_b", 2L, TIMEOUT);
        assertEquals(List.of(1L, 2L), TopicReader.ids(values));
        assertEquals("new table", values.get(0).get("label"));
        // two tables over tasks.max=2: one task each
        awaitTaskCount("modes-discovery", 2);
        stack.rest().deleteConnector("modes-discovery");
    }

    @Test
    void anIncludePatternMatchingNoTableYetWaitsForOne() {
        stack.rest().createOrUpdateConnector("modes-late", config("late.", Map.of("mode", "incrementing",
                "incrementing.column.name", "id", "table.include.list", "late_.*", "table.poll.interval.ms", "500")));
        stack.rest().awaitState("modes-late", "RUNNING", TIMEOUT); // with no task until a table matches
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE late_rows (id bigint PRIMARY KEY, label text);
                INSERT INTO late_rows VALUES (1, 'created after the connector'), (2, 'second row')"""));
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "late.late_rows", 2L, TIMEOUT);
        assertEquals(List.of(1L, 2L), TopicReader.ids(values));
        stack.rest().deleteConnector("modes-late");
    }

    /** Confluent's numeric.precision.mapping=true and timestamp.granularity=connect_logical, as written, are honoured. */
    @Test
    void confluentTypeKeysAreHonoured() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE confluent_types (id bigint PRIMARY KEY, qty numeric(5,0) NOT NULL, at timestamptz NOT NULL);
                INSERT INTO confluent_types VALUES (1, 42, '2024-05-06 07:08:09.123456+00')"""));
        deploy("modes-confluent", config("confluent.", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "confluent_types", "numeric.precision.mapping", "true",
                "timestamp.granularity", "connect_logical")));
        Struct row = TopicReader.readUntilId(bootstrap(), "confluent.confluent_types", 1L, TIMEOUT).get(0);
        stack.rest().deleteConnector("modes-confluent");
        assertEquals(42, row.get("qty"), "numeric(5,0) as INT32, as numeric.mapping=precision_only");
        assertEquals(java.util.Date.from(java.time.Instant.parse("2024-05-06T07:08:09.123Z")), row.get("at"),
                "Connect's Timestamp, as time.precision.mode=connect");
    }

    /** The catalog is re-read every 4 s; the table is dropped and re-created well within that. */
    @Test
    void aTableDroppedAndRecreatedBetweenCatalogReadsIsPolledAgain() throws InterruptedException {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE recreated (id bigint PRIMARY KEY, note text);
                INSERT INTO recreated VALUES (1, 'old table')"""));
        deploy("modes-recreate", config("recreate.", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "recreated", "table.poll.interval.ms", "4000")));
        TopicReader.readUntilId(bootstrap(), "recreate.recreated", 1L, TIMEOUT);
        database.db().useHandle(h -> h.execute("DROP TABLE recreated"));
        Thread.sleep(700); // lets the task poll the missing table (it stops polling it); not needed for the assertion
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE recreated (id bigint PRIMARY KEY, note text, extra int);
                INSERT INTO recreated VALUES (2, 'new table', 7)"""));
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "recreate.recreated", 2L, TIMEOUT);
        assertEquals(7, values.get(values.size() - 1).get("extra"));
        stack.rest().deleteConnector("modes-recreate");
    }

    /** A partitioned table's rows come from its parent only, not once more from each partition. */
    @Test
    void aPartitionedTableIsCapturedOnceThroughItsParent() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE parted (id bigint NOT NULL, year int NOT NULL, PRIMARY KEY (id, year)) PARTITION BY LIST (year);
                CREATE TABLE parted_2024 PARTITION OF parted FOR VALUES IN (2024);
                CREATE TABLE parted_2025 PARTITION OF parted FOR VALUES IN (2025);
                INSERT INTO parted VALUES (1, 2024), (2, 2025), (3, 2024)"""));
        deploy("modes-parted", config("parted.", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "parted.*", "table.types", "TABLE,PARTITIONED TABLE", "tasks.max", "3")));
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "parted.parted", 3L, TIMEOUT);
        assertEquals(List.of(1L, 2L, 3L), TopicReader.ids(values));
        awaitTaskCount("modes-parted", 1); // the parent only: no task polls parted_2024 or parted_2025
        stack.rest().deleteConnector("modes-parted");
    }

    /** A partition under a selected partitioned table is read through it, also below a middle level. */
    @Test
    void aSubPartitionIsCapturedOnceThroughTheSelectedMiddleLevel() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE layered (id bigint NOT NULL, year int NOT NULL, PRIMARY KEY (id, year)) PARTITION BY LIST (year);
                CREATE TABLE layered_2025 PARTITION OF layered FOR VALUES IN (2025) PARTITION BY RANGE (id);
                CREATE TABLE layered_2025_low PARTITION OF layered_2025 FOR VALUES FROM (0) TO (100);
                INSERT INTO layered VALUES (1, 2025), (2, 2025)"""));
        deploy("modes-layered", config("layered.", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "layered_2025.*", "table.types", "TABLE,PARTITIONED TABLE", "tasks.max", "3")));
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "layered.layered_2025", 2L, TIMEOUT);
        assertEquals(List.of(1L, 2L), TopicReader.ids(values));
        awaitTaskCount("modes-layered", 1); // layered_2025 only: layered_2025_low is read through it
        stack.rest().deleteConnector("modes-layered");
    }

    /** timestamp.initial=-1 is now, also when database.db().timezone is east of UTC and the column is timestamptz. */
    @Test
    void timestampInitialNowIsNowInAnyDbTimezone() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE from_now (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
                INSERT INTO from_now VALUES (1, now() - interval '1 hour')"""));
        deploy("modes-from-now", config("fromnow.", Map.of("mode", "timestamp+incrementing",
                "incrementing.column.name", "id", "timestamp.column.name", "at", "table.include.list", "from_now",
                "timestamp.initial", "-1", "database.db().timezone", "Asia/Tokyo")));
        database.db().useHandle(h -> h.execute("INSERT INTO from_now (id) VALUES (2)"));
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "fromnow.from_now", 2L, TIMEOUT);
        assertEquals(List.of(2L), TopicReader.ids(values), "row 1 is older than the start, row 2 newer");
        stack.rest().deleteConnector("modes-from-now");
    }

    /** -infinity is a legal stamp: it is read (first), and the offset can stand on it. */
    @Test
    void minusInfinityStampsAreReadAndStoodOn() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE inf_stamps (id bigint PRIMARY KEY, at timestamptz NOT NULL, plain timestamp NOT NULL);
                INSERT INTO inf_stamps VALUES (1, '-infinity', '-infinity'), (2, now() - interval '1 minute', '-infinity')"""));
        // one row per poll: the second poll starts from the offset (-infinity, 1)
        deploy("modes-inf", config("inf.", Map.of("mode", "timestamp+incrementing", "incrementing.column.name", "id",
                "timestamp.column.name", "at", "table.include.list", "inf_stamps", "batch.max.rows", "1")));
        deploy("modes-inf-plain", config("infplain.", Map.of("mode", "timestamp", "timestamp.column.name", "plain",
                "table.include.list", "inf_stamps")));
        TopicReader.readUntilId(bootstrap(), "inf.inf_stamps", 2L, TIMEOUT);
        TopicReader.readUntilId(bootstrap(), "infplain.inf_stamps", 2L, TIMEOUT); // its offset stands on -infinity
        database.db().useHandle(h -> h.execute(
                "INSERT INTO inf_stamps VALUES (3, now() - interval '1 second', now() - interval '1 minute')"));
        for (String topic : List.of("inf.inf_stamps", "infplain.inf_stamps")) {
            List<Struct> values = TopicReader.readUntilId(bootstrap(), topic, 3L, TIMEOUT);
            assertEquals(List.of(1L, 2L, 3L), TopicReader.ids(values), topic);
            assertEquals(Long.MIN_VALUE, values.get(0).get("plain"), "-infinity as the smallest INT64");
        }
        stack.rest().deleteConnector("modes-inf");
        stack.rest().deleteConnector("modes-inf-plain");
    }

    @Test
    void stopResumeAndPatchedOffsetsResumeExactlyWhereTold() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE resume_rows (id bigint PRIMARY KEY, note text);
                INSERT INTO resume_rows SELECT g, 'n' || g FROM generate_series(1, 5) g"""));
        String name = "modes-resume";
        String topic = "resume.resume_rows";
        deploy(name, config("resume.", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "resume_rows")));
        TopicReader.readUntilId(bootstrap(), topic, 5L, TIMEOUT);

        stack.rest().stopConnector(name);
        stack.rest().awaitState(name, "STOPPED", TIMEOUT);
        database.db().useHandle(h -> h.execute(
                "INSERT INTO resume_rows SELECT g, 'n' || g FROM generate_series(6, 8) g"));
        // a malformed offset is refused with the expected shape
        ConnectRestException bad = assertThrows(ConnectRestException.class, () -> stack.rest().patchOffsets(name,
                Map.of("table", "public.resume_rows"), Map.of("v", 1, "ts_us", 5)));
        assertTrue(bad.getMessage().contains("does not fit mode=incrementing") && bad.getMessage().contains("inc"),
                bad.getMessage());
        stack.rest().resumeConnector(name);
        List<Object> ids = TopicReader.ids(TopicReader.readUntilId(bootstrap(), topic, 8L, TIMEOUT));
        assertEquals(LongStream.rangeClosed(1, 8).boxed().toList(), ids, "no gap, no duplicate after stop/resume");

        // move the offset back to 6: rows 7 and 8 are read again
        stack.rest().stopConnector(name);
        stack.rest().awaitState(name, "STOPPED", TIMEOUT);
        stack.rest().patchOffsets(name, Map.of("table", "public.resume_rows"), Map.of("v", 1, "inc", 6));
        stack.rest().resumeConnector(name);
        ids = TopicReader.ids(TopicReader.readUntil(bootstrap(), topic, v -> v.size() >= 10, TIMEOUT));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 7L, 8L), ids);
        stack.rest().deleteConnector(name);
    }

    private void awaitTaskCount(String name, int count) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            List<?> tasks = (List<?>) stack.rest().status(name).get("tasks");
            if (tasks.size() == count) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, name + " has tasks " + tasks + ", expected " + count);
            Pause.millis(100);
        }
    }

    private static Map<Object, Object> byId(List<Struct> values) {
        Map<Object, Object> map = new HashMap<>();
        values.forEach(v -> map.put(v.get("id"), v.get("name")));
        return map;
    }
}
