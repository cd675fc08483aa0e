package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollQueryTest {

    private final TableSchema orders = TableSchema.of(TableId.parse("shop.Orders"), List.of(
            PgTypeCatalog.reader(new PgColumn("id", "int8", -1, true)).orElseThrow(),
            PgTypeCatalog.reader(new PgColumn("updated at", "timestamptz", -1, true)).orElseThrow(),
            PgTypeCatalog.reader(new PgColumn("note", "text", -1, false)).orElseThrow()), List.of("id"));

    @Test
    void incrementingStartsWithoutBoundAndThenReadsPastTheOffset() {
        assertEquals("SELECT \"id\", \"updated at\", \"note\", xmin::text::bigint AS __tablestream_xmin"
                        + " FROM \"shop\".\"Orders\" ORDER BY \"id\" LIMIT ?",
                PollQuery.sql(orders, Mode.INCREMENTING, "id", "", false, true));
        assertEquals("SELECT \"id\", \"updated at\", \"note\", xmin::text::bigint AS __tablestream_xmin"
                        + " FROM \"shop\".\"Orders\" WHERE \"id\" > ? ORDER BY \"id\" LIMIT ?",
                PollQuery.sql(orders, Mode.INCREMENTING, "id", "", true, true));
    }

    @Test
    void timestampModesAreBoundedByNowAndOrderedByStampThenId() {
        String sql = PollQuery.sql(orders, Mode.TIMESTAMP_INCREMENTING, "id", "updated at", true, true);
        assertTrue(sql.endsWith(" WHERE \"updated at\" < now() AND (\"updated at\" > ? OR (\"updated at\" = ?"
                + " AND \"id\" > ?)) ORDER BY \"updated at\", \"id\" LIMIT ?"), sql);
        String timestampOnly = PollQuery.sql(orders, Mode.TIMESTAMP, "", "updated at", true, false);
        assertTrue(timestampOnly.endsWith(" WHERE \"updated at\" < now() AND \"updated at\" > ? ORDER BY \"updated at\""),
                timestampOnly);
    }

    @Test
    void recentTransactionsAreComparedWithWraparound() {
        assertTrue(TableQuerier.writtenByRecentTransaction(1000, 1000));
        assertTrue(TableQuerier.writtenByRecentTransaction(1001, 1000));
        assertFalse(TableQuerier.writtenByRecentTransaction(999, 1000));
        // the snapshot's xmin just wrapped past 2^32; a row written just before the wrap is old
        assertFalse(TableQuerier.writtenByRecentTransaction(4_294_967_290L, 5));
        assertTrue(TableQuerier.writtenByRecentTransaction(6, (int) 4_294_967_290L));
        assertFalse(TableQuerier.writtenByRecentTransaction(2, 1000), "frozen");
    }

    @Test
    void bulkReadsEverythingAndOptionsShapeTheBound() {
        assertEquals("SELECT \"id\", \"updated at\", \"note\", NULL::bigint AS __tablestream_xmin FROM \"shop\".\"Orders\"",
                PollQuery.sql(orders, Mode.BULK, "", "", false, false));
        String delayed = PollQuery.sql(orders, Mode.TIMESTAMP, "", "updated at", true, false,
                new PollQuery.Options(5000, "UTC", "FOR SHARE"));
        assertTrue(delayed.contains("\"updated at\" < (now() - interval '5000 milliseconds')"), delayed);
        assertTrue(delayed.endsWith(" FOR SHARE"), delayed);
    }

    @Test
    void zonesBecomeLiteralsPostgresReadsTheSameWay() {
        assertEquals("'Europe/Berlin'", PollQuery.zoneLiteral("Europe/Berlin"));
        assertEquals("'UTC'", PollQuery.zoneLiteral("Z"));
        assertEquals("interval '+02:00'", PollQuery.zoneLiteral("+02:00"));
    }
}
