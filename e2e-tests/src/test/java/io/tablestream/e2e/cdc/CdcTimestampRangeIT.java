package io.tablestream.e2e.cdc;

import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timestamp after 294247-01-10 does not fit microseconds since 1970 in an INT64. Both CDC snapshots (the exported
 * one of snapshot.mode=initial and the incremental chunks) and the stream fail the task as the polling modes do
 * (BadRecordsIT): naming table, column and the fix; with the fix ({@code time.precision.mode=connect}) the row
 * arrives.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcTimestampRangeIT(CdcFixture cdc) {

    private static final String DB = "cdc_timestamp_range_it";

    @Test
    void aTimestampBeyondMicrosecondsFailsEitherSnapshotNamingTableColumnAndFix() {
        cdc.database(DB, "CREATE TABLE far_future (id bigint PRIMARY KEY, due timestamp NOT NULL);"
                + " INSERT INTO far_future VALUES (1, '294250-06-01 00:00:00')");

        for (String snapshotMode : List.of("initial", "incremental")) {
            String trace = cdc.deployAndAwaitTaskFailure("far-" + snapshotMode, DB, "public.far_future",
                    Map.of("snapshot.mode", snapshotMode));
            assertTrue(trace.contains("Column 'due' of table public.far_future")
                    && trace.contains("time.precision.mode=connect"), snapshotMode + ": "
                    + trace.lines().limit(3).toList());
        }

        cdc.deploy("far-ms", DB, "public.far_future", Map.of("snapshot.mode", "initial",
                "time.precision.mode", "connect"));
        List<ChangeLog.Change> rows = cdc.changeLog("far-ms.far_future").await(c -> !c.isEmpty(), TIMEOUT,
                "the row with time.precision.mode=connect");
        assertEquals(LocalDateTime.parse("+294250-06-01T00:00:00").toInstant(ZoneOffset.UTC),
                ((Date) rows.get(0).value().get("due")).toInstant());
    }

    @Test
    void aTimestampBeyondMicrosecondsFailsTheStreamNamingTableColumnAndFix() {
        Jdbi db = cdc.database(DB + "_stream",
                "CREATE TABLE far_future (id bigint PRIMARY KEY, due timestamp NOT NULL)");
        cdc.deploy("far-stream", DB + "_stream", "public.far_future", Map.of("snapshot.mode", "never"));
        db.useHandle(h -> h.execute("INSERT INTO far_future VALUES (1, '294250-06-01 00:00:00')"));

        String trace = cdc.awaitTaskFailure("far-stream");
        assertTrue(trace.contains("Column 'due' of table public.far_future")
                && trace.contains("time.precision.mode=connect"), trace.lines().limit(3).toList().toString());
    }
}
