package io.tablestream.e2e.source;

import io.tablestream.e2e.ValidationErrors;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.tablestream.e2e.reliability.Fixtures.awaitTaskFailed;
import static io.tablestream.e2e.reliability.Fixtures.connectorStateAndTrace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What users write that the connector must read as written, or refuse: a query ending in a comment, a nullable id
 * column, offsets patched by hand, tables whose names would share a topic.
 */
@ExtendWith(TablestreamStack.class)
record PollingInputsIT(Stack stack, ClassDatabase database) {

    private static final Duration TIMEOUT = ClassDatabase.TIMEOUT;

    /**
     * A line comment at the end of the query comments out nothing the connector adds after it, and a {@code ?} or
     * an apostrophe in it is no placeholder or string.
     */
    @Test
    void aQueryEndingInALineCommentKeepsTheSuffixAndTheModesBounds() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE commented_rows (id bigint PRIMARY KEY, note text NOT NULL);
                INSERT INTO commented_rows VALUES (1, 'one'), (2, 'two'), (3, 'three')"""));
        database.deploy("inputs-query-comment", config("comment_bulk", Map.of("mode", "query",
                "query", "SELECT id, note FROM commented_rows -- which rows? every one", "query.suffix", "ORDER BY id DESC")));
        List<Struct> scan = TopicReader.readUntil(bootstrap(), "comment_bulk", v -> v.size() >= 3, TIMEOUT);
        stack.rest().deleteConnector("inputs-query-comment");
        assertEquals(List.of(3L, 2L, 1L), TopicReader.ids(scan.subList(0, 3)), "query.suffix ORDER BY id DESC");

        database.deploy("inputs-inc-comment", config("comment_inc", Map.of("mode", "incrementing",
                "incrementing.column.name", "id", "query", "SELECT id, note FROM commented_rows -- what's new")));
        TopicReader.readUntilId(bootstrap(), "comment_inc", 3L, TIMEOUT);
        database.db().useHandle(h -> h.execute("INSERT INTO commented_rows VALUES (4, 'four')"));
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "comment_inc", 4L, TIMEOUT);
        stack.rest().deleteConnector("inputs-inc-comment");
        assertEquals(List.of(1L, 2L, 3L, 4L), TopicReader.ids(values));
    }

    /**
     * A query ending in a semicolon and a comment, which validation accepts, runs too: in bulk (with a suffix) and
     * wrapped by an incremental mode.
     */
    @Test
    void aQueryEndingInASemicolonAndACommentRunsAsValidated() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE noted_rows (id bigint PRIMARY KEY, note text NOT NULL);
                INSERT INTO noted_rows VALUES (1, 'one'), (2, 'two')"""));
        String query = "SELECT id, note FROM noted_rows; -- every row\n";
        Map<String, String> bulk = config("noted_bulk", Map.of("mode", "query", "query", query,
                "query.suffix", "ORDER BY id DESC"));
        Map<String, String> incrementing = config("noted_inc", Map.of("mode", "incrementing",
                "incrementing.column.name", "id", "query", query));
        for (Map<String, String> connector : List.of(bulk, incrementing)) {
            assertEquals(0, stack.rest().validate("PostgresSourceConnector", connector).get("error_count").asInt());
        }
        database.deploy("inputs-noted-bulk", bulk);
        List<Struct> scan = TopicReader.readUntil(bootstrap(), "noted_bulk", v -> v.size() >= 2, TIMEOUT);
        stack.rest().deleteConnector("inputs-noted-bulk");
        assertEquals(List.of(2L, 1L), TopicReader.ids(scan.subList(0, 2)), "query.suffix ORDER BY id DESC");
        database.deploy("inputs-noted-inc", incrementing);
        List<Struct> values = TopicReader.readUntilId(bootstrap(), "noted_inc", 2L, TIMEOUT);
        stack.rest().deleteConnector("inputs-noted-inc");
        assertEquals(List.of(1L, 2L), TopicReader.ids(values));
    }

    /**
     * With validate.non.null=false, rows whose incrementing column is NULL are never read (as documented), in
     * every poll: not on the first one (which has no lower bound), and they do not move the offset back.
     */
    @Test
    void rowsWithANullIncrementingValueAreNeverReadAndMoveNothing() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE nullable_ids (seq bigint, note text NOT NULL, updated_at timestamptz NOT NULL);
                INSERT INTO nullable_ids VALUES (1, 'one', now() - interval '1 hour'), (2, 'two', now() - interval '1 hour'),
                                                (NULL, 'no id', now() - interval '1 hour')"""));
        for (String mode : List.of("incrementing", "timestamp+incrementing")) {
            String topic = "nulls_" + mode.replace('+', '_');
            database.deploy("inputs-" + topic, config(topic + ".", Map.of("mode", mode, "incrementing.column.name", "seq",
                    "timestamp.column.name", "updated_at", "table.include.list", "nullable_ids",
                    "validate.non.null", "false", "poll.interval.ms", "100")));
            TopicReader.readUntil(bootstrap(), topic + ".nullable_ids", hasSeq(2L), TIMEOUT);
            database.db().useHandle(h -> h.execute("INSERT INTO nullable_ids VALUES (3, 'three', now() - interval '1 minute')"));
            List<Struct> values = TopicReader.readUntil(bootstrap(), topic + ".nullable_ids", hasSeq(3L), TIMEOUT);
            stack.rest().deleteConnector("inputs-" + topic);
            database.db().useHandle(h -> h.execute("DELETE FROM nullable_ids WHERE seq = 3"));
            assertEquals(List.of(1L, 2L, 3L), values.stream().map(v -> v.get("seq")).toList(), mode);
        }
    }

    /**
     * An incrementing column that is not unique: the batch limit (2 rows) falls between the two rows with id 2,
     * which must both be read (the offset cannot stand between them), in both incrementing modes.
     */
    @Test
    void rowsSharingAnIdAcrossTheBatchLimitAreAllRead() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE shared_ids (seq bigint NOT NULL, note text NOT NULL, updated_at timestamptz NOT NULL);
                INSERT INTO shared_ids VALUES (1, 'one', now() - interval '1 hour'), (2, 'two a', now() - interval '1 hour'),
                                              (2, 'two b', now() - interval '1 hour'), (3, 'three', now() - interval '1 hour')"""));
        for (String mode : List.of("incrementing", "timestamp+incrementing")) {
            String topic = "shared_" + mode.replace('+', '_');
            database.deploy("inputs-" + topic, config(topic + ".", Map.of("mode", mode, "incrementing.column.name", "seq",
                    "timestamp.column.name", "updated_at", "table.include.list", "shared_ids", "batch.max.rows", "2")));
            List<Struct> values = TopicReader.readUntil(bootstrap(), topic + ".shared_ids", hasSeq(3L), TIMEOUT);
            stack.rest().deleteConnector("inputs-" + topic);
            assertEquals(List.of(1L, 2L, 2L, 3L), values.stream().map(v -> v.get("seq")).toList(), mode);
            assertEquals(List.of("two a", "two b"), values.subList(1, 3).stream().map(v -> (String) v.get("note")).sorted().toList());
        }
    }

    /**
     * A group of rows sharing one id larger than a poll may hold in memory fails the task, naming the column and the
     * fix, instead of loading the group whole.
     */
    @Test
    void aGroupOfRowsSharingAnIdTooLargeToReadFailsTheTaskNamingTheColumn() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE one_batch (batch_id bigint NOT NULL, note text NOT NULL);
                INSERT INTO one_batch SELECT 1, 'row ' || g FROM generate_series(1, 100001) g"""));
        String name = "inputs-one-batch";
        database.create(name, config("one_batch.", Map.of("mode", "incrementing", "incrementing.column.name", "batch_id",
                "table.include.list", "one_batch", "batch.max.rows", "2")));
        String trace = awaitTaskFailed(stack.rest(), name);
        stack.rest().deleteConnector(name);
        assertTrue(trace.contains("incrementing.column.name column batch_id") && trace.contains("unique"), trace);
    }

    /**
     * An offset written by hand that the connector would read as something else is refused: a stamp in nanoseconds
     * (microseconds 50,000 years ahead: every row skipped), a fractional id, a table named without its schema
     * (stored beside the table's own partition and never read).
     */
    @Test
    void handWrittenOffsetsThatWouldMeanSomethingElseAreRefused() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE patched_rows (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL);
                INSERT INTO patched_rows VALUES (1, now() - interval '1 minute')"""));
        String name = "inputs-patched";
        database.deploy(name, config("patched.", Map.of("mode", "timestamp+incrementing", "incrementing.column.name", "id",
                "timestamp.column.name", "updated_at", "table.include.list", "patched_rows")));
        TopicReader.readUntilId(bootstrap(), "patched.patched_rows", 1L, TIMEOUT);
        stack.rest().stopConnector(name);
        stack.rest().awaitState(name, "STOPPED", TIMEOUT);
        Map<String, Object> table = Map.of("table", "public.patched_rows");
        Map<String, String> refusals = Map.of(
                "microseconds since 1970", patchProblem(name, table, Map.of("v", 1, "inc", 1, "ts_us", 1_700_000_000_123_456_789L)),
                "whole number", patchProblem(name, table, Map.of("v", 1, "inc", 1.5, "ts_us", 1_700_000_000_123_456L)),
                "public.patched_rows", patchProblem(name, Map.of("table", "patched_rows"),
                        Map.of("v", 1, "inc", 1, "ts_us", 1_700_000_000_123_456L)));
        refusals.forEach((expected, message) -> assertTrue(message.contains(expected), expected + " in " + message));
        stack.rest().deleteConnector(name);
    }

    private String patchProblem(String connector, Map<String, Object> partition, Map<String, Object> offset) {
        return assertThrows(ConnectRestException.class, () -> stack.rest().patchOffsets(connector, partition, offset))
                .getMessage();
    }

    /**
     * Topic and offset names join schema and table with a dot: public."clash.orders" would write to the topic of
     * clash.orders. The connector refuses such tables, naming both and the fix, instead of merging them: when one
     * is created while it runs (the connector fails, and the topic keeps only the first table's rows), and when
     * its config selects them (validation and PUT refuse it).
     */
    @Test
    void tablesWhoseNamesJoinToOneTopicAreRefusedNotMerged() {
        database.db().useHandle(h -> h.execute("""
                CREATE SCHEMA clash;
                CREATE TABLE clash.orders (id bigint PRIMARY KEY, origin text NOT NULL);
                INSERT INTO clash.orders VALUES (1, 'clash.orders')"""));
        String name = "inputs-clash";
        String topic = "clash_clash.orders";
        Map<String, String> config = config("clash_", Map.of("mode", "incrementing", "incrementing.column.name", "id",
                "table.include.list", "clash[.]orders", "table.poll.interval.ms", "500", "poll.interval.ms", "100"));
        database.deploy(name, config);
        TopicReader.readUntilId(bootstrap(), topic, 1L, TIMEOUT);

        database.db().useHandle(h -> h.execute("""
                CREATE TABLE public."clash.orders" (id bigint PRIMARY KEY, origin text NOT NULL);
                INSERT INTO public."clash.orders" VALUES (2, 'public."clash.orders"')"""));
        List<Struct> values = TopicReader.readUntil(bootstrap(), topic, v -> TopicReader.ids(v).contains(1L)
                && (TopicReader.ids(v).contains(2L) || "FAILED".equals(connectorStateAndTrace(stack.rest(), name).get(0))),
                TIMEOUT);
        assertEquals(List.of("clash.orders"), values.stream().map(v -> v.get("origin")).distinct().toList(),
                "the origins of the records in " + topic);
        String trace = connectorStateAndTrace(stack.rest(), name).get(1);
        String refusal = "selects tables \"clash\".\"orders\" and \"public\".\"clash.orders\", which would both"
                + " write to topic \"" + topic + "\"";
        assertTrue(trace.contains(refusal) && trace.contains("leave out \"public\".\"clash.orders\", the table that"
                + " appeared while the connector ran"), trace);
        // The failed connector's task still runs from its stored config; started again (as after an upgrade), it
        // refuses the selection too rather than read it.
        stack.rest().restartTask(name, 0);
        String taskTrace = awaitTaskFailed(stack.rest(), name);
        assertTrue(taskTrace.contains(refusal), taskTrace);

        List<String> errors = ValidationErrors.errors(stack.rest().validate("PostgresSourceConnector", config),
                "table.include.list");
        assertTrue(errors.size() == 1 && errors.get(0).startsWith("table.include.list=clash[.]orders " + refusal)
                && errors.get(0).contains("table.exclude.list=\"public\".\"clash.orders\""), errors.toString());
        String put = assertThrows(ConnectRestException.class, () -> stack.rest().createOrUpdateConnector(name, config))
                .getMessage();
        assertTrue(put.contains("table.include.list=clash[.]orders selects tables") // the answer's JSON escapes quotes
                && put.contains("which would both write to topic"), put);
        stack.rest().deleteConnector(name);
        Map<String, String> fixed = ConnectorConfigs.with(config, "table.exclude.list", "\"public\".\"clash.orders\"");
        assertEquals(0, stack.rest().validate("PostgresSourceConnector", fixed).get("error_count").asInt());

        // Each on its own topic, but one stored offset: public."clash.orders" and "public.clash".orders.
        database.db().useHandle(h -> h.execute("""
                CREATE SCHEMA "public.clash";
                CREATE TABLE "public.clash".orders (id bigint PRIMARY KEY, origin text NOT NULL)"""));
        Map<String, String> sharedOffset = ConnectorConfigs.with(config, "table.include.list", "public[.]clash[.]orders",
                "table.exclude.list", "");
        String offsetError = ValidationErrors.onlyError(stack.rest().validate("PostgresSourceConnector", sharedOffset),
                "table.include.list");
        assertTrue(offsetError.contains("selects tables \"public\".\"clash.orders\" and \"public.clash\".\"orders\","
                + " which would keep their position under the same stored offset {table=public.clash.orders}")
                && offsetError.contains("does not separate their offsets"), offsetError);
    }

    private static Predicate<List<Struct>> hasSeq(long seq) {
        return values -> values.stream().anyMatch(v -> Long.valueOf(seq).equals(v.get("seq")));
    }

    private Map<String, String> config(String prefix, Map<String, String> extra) {
        return ConnectorConfigs.with(ConnectorConfigs.source(stack, database.url(), prefix), extra);
    }

    private String bootstrap() {
        return stack.kafka().bootstrapServers();
    }
}
