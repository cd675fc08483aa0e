package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** mode=cdc across connector restarts: what the stored offset and the slot say decides where the task resumes. */
@ExtendWith(TablestreamStack.class)
class CdcRestartIT {

    private final Stack stack;
    private final CdcFixture cdc;

    CdcRestartIT(Stack stack) {
        this.stack = stack;
        this.cdc = new CdcFixture(stack);
    }

    @AfterEach
    void cleanUp() {
        cdc.close();
    }

    @Test
    void aRestartAfterASnapshotEndingExactlyAtABatchBoundaryStreamsWithoutReReadingIt() {
        Jdbi db = cdc.database("cdc_snapshot_done_it");
        // The last table is empty: the snapshot's last record is the last row of the first table, which fills the
        // batch exactly.
        db.useHandle(h -> h.execute("""
                CREATE TABLE filled (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO filled SELECT g, 'row ' || g FROM generate_series(1, 100) g;
                CREATE TABLE empty (id int PRIMARY KEY);
                """));
        String name = "cdc-snapshot-done";
        cdc.deploy(name, "cdc_snapshot_done_it", "filled,empty", Map.of("batch.max.rows", "100"));
        ChangeLog log = cdc.changeLog(name + ".filled", name + ".empty");
        log.await(c -> c.size() == 100, TIMEOUT, "the 100 snapshot rows");

        cdc.stopAndAwaitSlotReleased(name, db);
        stack.rest().resumeConnector(name);
        stack.rest().awaitRunning(name, TIMEOUT);
        db.useHandle(h -> h.execute("INSERT INTO filled VALUES (101, 'streamed after the restart')"));

        List<Change> changes = log.await(c -> c.stream().anyMatch(r -> r.keyField("id").equals(101)), TIMEOUT,
                "the insert after the restart");
        log.readCommitted(TIMEOUT);
        assertEquals(IntStream.rangeClosed(1, 101).boxed().toList(),
                changes.stream().map(c -> (Integer) c.keyField("id")).toList(), "each row once, in order");
        assertEquals(Map.of("r", 100L, "c", 1L),
                changes.stream().collect(Collectors.groupingBy(Change::op, Collectors.counting())));
        assertEquals("row 100", changes.get(99).value().get("name"));
        assertEquals("streamed after the restart", changes.get(100).value().get("name"));
    }
}
