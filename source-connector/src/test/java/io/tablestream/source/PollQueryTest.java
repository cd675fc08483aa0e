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
                PollQuery.sql(orders, Mode.INCREMENTING, "id", "", false, true, PollQuery.Options.DEFAULTS));
        assertEquals("SELECT \"id\", \"updated at\", \"note\", xmin::text::bigint AS __tablestream_xmin"
                        + " FROM \"shop\".\"Orders\" WHERE \"id\" > ? ORDER BY \"id\" LIMIT ?",
                PollQuery.sql(orders, Mode.INCREMENTING, "id", "", true, true, PollQuery.Options.DEFAULTS));
    }

    @Test
    void timestampModesAreBoundedAndOrderedByStampThenId() {
        String sql = PollQuery.sql(orders, Mode.TIMESTAMP_INCREMENTING, "id", "updated at", true, true, PollQuery.Options.DEFAULTS);
        assertTrue(sql.endsWith(" WHERE \"updated at\" < CAST(? AS timestamptz) AND (\"updated at\" > ? OR (\"updated at\" = ?"
                + " AND \"id\" > ?)) ORDER BY \"updated at\", \"id\" LIMIT ?"), sql);
        String timestampOnly = PollQuery.sql(orders, Mode.TIMESTAMP, "", "updated at", true, false, PollQuery.Options.DEFAULTS);
        assertTrue(timestampOnly.endsWith(" WHERE \"updated at\" < CAST(? AS timestamptz) AND \"updated at\" > ? ORDER BY \"updated at\""),
                timestampOnly);
    }

    @Test
    void rowIdsAreWidenedToFullIdsBeforeComparing() {
        long wrap = 1L << 32;
        assertTrue(TableQuerier.writtenAtOrAfter(1000, 1000, 1010));
        assertTrue(TableQuerier.writtenAtOrAfter(1001, 1000, 1010));
        assertFalse(TableQuerier.writtenAtOrAfter(999, 1000, 1010));
        // the ids wrapped past 2^32: a row written just before the wrap is old, one just after is recent
        assertEquals(wrap - 6, io.tablestream.jdbc.TransactionIds.full(4_294_967_290L, wrap + 10));
        assertFalse(TableQuerier.writtenAtOrAfter(4_294_967_290L, wrap + 5, wrap + 10));
        assertTrue(TableQuerier.writtenAtOrAfter(6, wrap + 5, wrap + 10));
        // a row frozen long ago whose raw id lies just above the horizon's low bits: old, not "in the future"
        assertFalse(TableQuerier.writtenAtOrAfter(2_000_000_000L, 3 * wrap + 100, 3 * wrap + 200));
        assertFalse(TableQuerier.writtenAtOrAfter(2, 1000, 1010), "frozen");
        assertTrue(TableQuerier.writtenAtOrAfter(5, OpenTransactions.HOLD_ALL, 1010), "everything held");
    }

    @Test
    void bulkReadsEverythingAndOptionsShapeTheBound() {
        assertEquals("SELECT \"id\", \"updated at\", \"note\", NULL::bigint AS __tablestream_xmin FROM \"shop\".\"Orders\"",
                PollQuery.sql(orders, Mode.BULK, "", "", false, false, PollQuery.Options.DEFAULTS));
        String delayed = PollQuery.sql(orders, Mode.TIMESTAMP, "", "updated at", true, false,
                new PollQuery.Options(5000, "UTC", "FOR SHARE"));
        assertTrue(delayed.contains("\"updated at\" < (CAST(? AS timestamptz) - interval '5000 milliseconds')"), delayed);
        assertTrue(delayed.endsWith(" FOR SHARE"), delayed);
    }

    @Test
    void zonesBecomeLiteralsPostgresReadsTheSameWay() {
        assertEquals("'Europe/Berlin'", PollQuery.zoneLiteral("Europe/Berlin"));
        assertEquals("'UTC'", PollQuery.zoneLiteral("Z"));
        assertEquals("interval '+02:00'", PollQuery.zoneLiteral("+02:00"));
    }
}
