package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableNameClashesTest {

    private static final TableId DOTTED_IN_PUBLIC = new TableId("public", "sales.orders");
    private static final TableId SALES_ORDERS = new TableId("sales", "orders");
    private static final TableId DOTTED_SCHEMA = new TableId("public.sales", "orders");

    private static PostgresSourceConfig config(String... keyValues) {
        Map<String, String> props = new HashMap<>(Map.of("connection.url", "jdbc:postgresql://localhost/shop",
                "mode", "incrementing", "incrementing.column.name", "id", "topic.prefix", "pg."));
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return new PostgresSourceConfig(props);
    }

    @Test
    void tablesWritingToOneTopicAreNamedWithTheTopicAndTheFix() {
        PostgresSourceConfig config = config("table.include.list", "sales.*");
        assertEquals(config.topicFor(DOTTED_IN_PUBLIC), config.topicFor(SALES_ORDERS));
        assertEquals("table.include.list=sales.* selects tables \"public\".\"sales.orders\" and \"sales\".\"orders\","
                + " which would both write to topic \"pg.sales.orders\" (topic.prefix and the table name, without the"
                + " schema for tables of schema public), merging their records: leave out the one not wanted (add it"
                + " to table.exclude.list: table.exclude.list=\"public\".\"sales.orders\" or"
                + " table.exclude.list=\"sales\".\"orders\") or rename one (ALTER TABLE ... RENAME TO, ALTER SCHEMA"
                + " ... RENAME TO); a RegexRouter cannot route them apart, as it sees only"
                + " the topic name they share.", TableNameClashes.problem(config, List.of(DOTTED_IN_PUBLIC, SALES_ORDERS)));
    }

    @Test
    void tablesSharingAStoredOffsetClashEvenOnTheirOwnTopics() {
        PostgresSourceConfig config = config();
        assertEquals(TableOffset.partition(DOTTED_IN_PUBLIC), TableOffset.partition(DOTTED_SCHEMA));
        String problem = TableNameClashes.problem(config, List.of(DOTTED_IN_PUBLIC, DOTTED_SCHEMA));
        assertTrue(problem.startsWith("table.include.list (empty: every table) selects tables"
                + " \"public\".\"sales.orders\" and \"public.sales\".\"orders\", which would keep their position under"
                + " the same stored offset {table=public.sales.orders}"), problem);
        assertTrue(problem.endsWith("routing their topics apart (RegexRouter, topic.prefix) does not separate their"
                + " offsets."), problem);
    }

    @Test
    void bulkStoresNoOffsetsSoOnlyTopicsClash() {
        assertNull(TableNameClashes.problem(config("mode", "bulk"), List.of(DOTTED_IN_PUBLIC, DOTTED_SCHEMA)));
        assertTrue(TableNameClashes.problem(config("mode", "bulk"), List.of(DOTTED_IN_PUBLIC, SALES_ORDERS))
                .contains("topic \"pg.sales.orders\""));
    }

    @Test
    void cdcSnapshotProgressClashesAsTheSlotKeysIt() {
        String problem = TableNameClashes.problem(config("mode", "cdc", "slot.name", "shop"),
                List.of(DOTTED_IN_PUBLIC, DOTTED_SCHEMA));
        assertTrue(problem.contains("which would keep their incremental snapshot progress under the same stored"
                + " offset {slot=shop, table=public.sales.orders}"), problem);
    }

    @Test
    void everyClashIsNamed() {
        String problem = TableNameClashes.problem(config(), List.of(SALES_ORDERS, DOTTED_IN_PUBLIC, DOTTED_SCHEMA));
        assertTrue(problem.contains("\"sales\".\"orders\" and \"public\".\"sales.orders\", which would both write to"
                + " topic"), problem);
        assertTrue(problem.contains("\"public\".\"sales.orders\" and \"public.sales\".\"orders\", which would keep"
                + " their position"), problem);
    }

    @Test
    void namesDifferingOnlyInCaseOrQuotingOfPlainNamesDoNotClash() {
        assertNull(TableNameClashes.problem(config(), List.of(new TableId("public", "Orders"),
                new TableId("public", "orders"), new TableId("sales", "orders"), new TableId("public", "sales_orders"))));
    }

    @Test
    void aTableThatAppearsBesideASelectedOneIsTheOneNamedToLeaveOut() {
        PostgresSourceConfig config = config("table.include.list", "sales.*");
        for (List<TableId> order : List.of(List.of(DOTTED_IN_PUBLIC, SALES_ORDERS), List.of(SALES_ORDERS, DOTTED_IN_PUBLIC))) {
            String problem = TableNameClashes.problem(config, order, Set.of(SALES_ORDERS));
            assertTrue(problem.contains(": leave out \"public\".\"sales.orders\", the table that appeared while the"
                    + " connector ran (add it to table.exclude.list, e.g."
                    + " table.exclude.list=\"public\".\"sales.orders\"), or rename it"), problem);
            assertFalse(problem.contains("table.exclude.list=\"sales\".\"orders\""), problem);
        }
    }

    @Test
    void cdcSnapshotProgressCannotClashWhenNoIncrementalSnapshotCanRun() {
        for (String snapshotMode : List.of("initial", "never", "initial_only")) {
            assertNull(TableNameClashes.problem(config("mode", "cdc", "slot.name", "shop", "snapshot.mode", snapshotMode),
                    List.of(DOTTED_IN_PUBLIC, DOTTED_SCHEMA)), snapshotMode);
            assertTrue(TableNameClashes.problem(config("mode", "cdc", "slot.name", "shop", "snapshot.mode",
                            snapshotMode), List.of(DOTTED_IN_PUBLIC, SALES_ORDERS)).contains("topic \"pg.sales.orders\""),
                    snapshotMode);
        }
        // A signal can start an incremental snapshot in every mode.
        String problem = TableNameClashes.problem(config("mode", "cdc", "slot.name", "shop", "snapshot.mode", "initial",
                "signal.data.collection", "ops.signals"), List.of(DOTTED_IN_PUBLIC, DOTTED_SCHEMA));
        assertTrue(problem.contains("incremental snapshot progress under the same stored offset"), problem);
    }

    @Test
    void aCapturedTableOnTheSignalTablesTopicIsRefused() {
        PostgresSourceConfig schemaSignal = config("mode", "cdc", "slot.name", "shop", "signal.data.collection",
                "ops.signals");
        assertNull(TableNameClashes.problem(schemaSignal, List.of(new TableId("ops", "signals"), SALES_ORDERS)));
        String problem = TableNameClashes.problem(schemaSignal, List.of(new TableId("public", "ops.signals"),
                SALES_ORDERS));
        assertEquals("table.include.list (empty: every table) selects table \"public\".\"ops.signals\", whose topic"
                + " \"pg.ops.signals\" (topic.prefix and the table name, without the schema for tables of schema"
                + " public) is that of signal.data.collection=ops.signals, so its changes would be taken as signals:"
                + " leave it out (add it to table.exclude.list, e.g. table.exclude.list=\"public\".\"ops.signals\"),"
                + " use another signal table, or rename one (ALTER TABLE ... RENAME TO, ALTER SCHEMA ... RENAME TO).",
                problem);
    }
}
