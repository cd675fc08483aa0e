package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A partitioned table in mode=cdc: one table, on its own topic with its own schema, every row once; a row moved to
 * another partition is a delete and an insert.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcPartitionedTableIT(CdcFixture cdc) {

    @Test
    void aTableSelectedWithItsPartitionsIsSnapshottedAndStreamedOnceThroughItsRoot() {
        Jdbi db = cdc.database("cdc_partitioned_it", """
                CREATE TABLE measurements (id int PRIMARY KEY, region text NOT NULL, reading int NOT NULL)
                    PARTITION BY RANGE (id);
                CREATE TABLE measurements_low PARTITION OF measurements FOR VALUES FROM (0) TO (100);
                CREATE TABLE measurements_high PARTITION OF measurements FOR VALUES FROM (100) TO (200);
                INSERT INTO measurements VALUES (1, 'low', 10), (2, 'low', 20), (101, 'high', 30), (102, 'high', 40);
                """);
        String prefix = "cdc-part.";
        ChangeLog log = cdc.changeLog(prefix + "measurements", prefix + "measurements_low", prefix + "measurements_high");
        // The parent by name (a partitioned table: not of the default table.types=TABLE in the polling modes) and
        // both partitions by a regex: the partitions are captured through the parent only.
        cdc.deploy("cdc-part", "cdc_partitioned_it", "measurements,measurements_(low|high)", Map.of());
        log.await(c -> c.size() >= 4, TIMEOUT, "the snapshot");

        db.useHandle(h -> h.execute("""
                INSERT INTO measurements VALUES (3, 'low', 50);
                INSERT INTO measurements_high VALUES (103, 'high', 60);
                UPDATE measurements SET reading = 11 WHERE id = 1;
                UPDATE measurements_high SET reading = 31 WHERE id = 101;
                DELETE FROM measurements_low WHERE id = 2;
                DELETE FROM measurements WHERE id = 102;
                UPDATE measurements SET id = 150 WHERE id = 3;
                """));
        log.await(c -> c.size() >= 12, TIMEOUT, "the stream");
        List<Change> all = log.readCommitted(TIMEOUT);

        assertEquals(List.of("r 1 low 10", "r 2 low 20", "r 101 high 30", "r 102 high 40", "c 3 low 50",
                        "c 103 high 60", "u 1 low 11", "u 101 high 31", "d 2", "d 102",
                        "d 3", "c 150 low 50"),
                all.stream().map(CdcPartitionedTableIT::describe).toList(), "every row once, in order");
        assertEquals(List.of(prefix + "measurements"), all.stream().map(Change::topic).distinct().toList(),
                "the parent's topic only");
        assertEquals(List.of("id", "region", "reading"), all.get(0).value().schema().fields().stream()
                .map(org.apache.kafka.connect.data.Field::name).toList(), "the parent's schema");
    }

    private static String describe(Change change) {
        return change.value() == null ? change.op() + " " + change.keyField("id")
                : change.op() + " " + change.value().get("id") + " " + change.value().get("region") + " "
                + change.value().get("reading");
    }
}
