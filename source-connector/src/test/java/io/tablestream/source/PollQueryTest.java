package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollQueryTest {

    private final TableSchema orders = TableSchema.of(TableId.parse("shop.Orders"), List.of(
            PgTypeCatalog.reader(new PgColumn("id", "int8", -1, true)),
            PgTypeCatalog.reader(new PgColumn("updated at", "timestamptz", -1, true)),
            PgTypeCatalog.reader(new PgColumn("note", "text", -1, false))), List.of("id"));

    @Test
    void incrementingStartsWithoutBoundAndThenReadsPastTheOffset() {
        assertEquals("SELECT \"id\", \"updated at\", \"note\", xmin::text::bigint AS __tablestream_xmin"
                        + " FROM \"shop\".\"Orders\" ORDER BY \"id\" LIMIT ?",
                sql(Mode.INCREMENTING, "id", "", false, PollQuery.Options.DEFAULTS));
        assertEquals("SELECT \"id\", \"updated at\", \"note\", xmin::text::bigint AS __tablestream_xmin"
                        + " FROM \"shop\".\"Orders\" WHERE \"id\" > ? ORDER BY \"id\" LIMIT ?",
                sql(Mode.INCREMENTING, "id", "", true, PollQuery.Options.DEFAULTS));
    }

    @Test
    void timestampModesAreBoundedAndOrderedByStampThenId() {
        String sql = sql(Mode.TIMESTAMP_INCREMENTING, "id", "updated at", true, PollQuery.Options.DEFAULTS);
        assertTrue(sql.endsWith(" WHERE \"updated at\" < CAST(? AS timestamptz) AND (\"updated at\" > ? OR (\"updated at\" = ?"
                + " AND \"id\" > ?)) ORDER BY \"updated at\", \"id\" LIMIT ?"), sql);
        String timestampOnly = sql(Mode.TIMESTAMP, "", "updated at", true, PollQuery.Options.DEFAULTS);
        assertTrue(timestampOnly.endsWith(" WHERE \"updated at\" < CAST(? AS timestamptz) AND \"updated at\" > ? ORDER BY \"updated at\""),
                timestampOnly);
    }

    /** Rows whose (nullable) id is NULL are left out of every poll, the first one included. */
    @Test
    void aNullableIncrementingColumnIsReadWhereItIsNotNull() {
        TableSchema nullable = TableSchema.of(TableId.parse("loose"), List.of(
                PgTypeCatalog.reader(new PgColumn("seq", "int8", -1, false)),
                PgTypeCatalog.reader(new PgColumn("at", "timestamptz", -1, true))), List.of());
        for (TableOffset offset : List.of(TableOffset.START, new TableOffset(1L, 1L))) {
            String inc = new PollQuery(nullable, Mode.INCREMENTING, "seq", "", PollQuery.Options.DEFAULTS)
                    .statement(offset, null, 1).sql();
            assertTrue(inc.contains(offset.isStart() ? " WHERE \"seq\" IS NOT NULL ORDER BY" : " WHERE \"seq\" > ? ORDER BY"), inc);
            String both = new PollQuery(nullable, Mode.TIMESTAMP_INCREMENTING, "seq", "at", PollQuery.Options.DEFAULTS)
                    .statement(offset, null, 1).sql();
            assertTrue(both.contains(" WHERE \"seq\" IS NOT NULL AND \"at\" < "), both);
        }
    }

    /** timestamptz(0) rounds now() to the nearest second: the bound is the second it began in. */
    @Test
    void theBoundIsRoundedDownToTheStampColumnsPrecision() {
        OffsetDateTime bound = OffsetDateTime.parse("2026-01-02T03:04:05.678901+01:00");
        for (int precision : new int[] {0, 3, 6, -1}) {
            TableSchema table = TableSchema.of(TableId.parse("rounded"), List.of(
                    PgTypeCatalog.reader(new PgColumn("at", "timestamptz", precision, true))), List.of());
            Object parameter = new PollQuery(table, Mode.TIMESTAMP, "", "at", PollQuery.Options.DEFAULTS)
                    .statement(TableOffset.START, bound, 1).parameters().get(0);
            String expected = switch (precision) {
                case 0 -> "2026-01-02T03:04:05+01:00";
                case 3 -> "2026-01-02T03:04:05.678+01:00";
                default -> "2026-01-02T03:04:05.678901+01:00";
            };
            assertEquals(OffsetDateTime.parse(expected), parameter, "timestamptz(" + precision + ")");
        }
    }

    /** A fixed offset however Java writes it means what Java means; PostgreSQL would read UTC+2 as POSIX (west). */
    @Test
    void aZoneIsGivenToPostgresqlAsJavaReadsIt() {
        assertEquals("interval '+02:00'", PollQuery.zoneLiteral("UTC+2"));
        assertEquals("interval '+02:00'", PollQuery.zoneLiteral("GMT+02:00"));
        assertEquals("interval '-05:30'", PollQuery.zoneLiteral("-05:30"));
        assertEquals("'UTC'", PollQuery.zoneLiteral("Z"));
        assertEquals("'America/New_York'", PollQuery.zoneLiteral("America/New_York"));
        assertEquals("'Europe/Brussels'", PollQuery.zoneLiteral("CET")); // AT TIME ZONE 'CET' is +01 all year
    }

    /** Every row at one position, for a batch whose LIMIT cut through rows sharing it. */
    @Test
    void aGroupStatementReadsEveryRowAtOnePosition() {
        PollQuery.Statement group = new PollQuery(orders, Mode.TIMESTAMP_INCREMENTING, "id", "updated at",
                PollQuery.Options.DEFAULTS).groupStatement(41L, 1_000_000L, 7);
        assertTrue(group.sql().endsWith(" FROM \"shop\".\"Orders\" WHERE \"id\" = ? AND \"updated at\" = ? LIMIT ?"),
                group.sql());
        assertEquals(List.of(41L, OffsetDateTime.parse("1970-01-01T00:00:01Z"), 7), group.parameters());
        assertEquals(List.of(41L, 7), new PollQuery(orders, Mode.INCREMENTING, "id", "", PollQuery.Options.DEFAULTS)
                .groupStatement(41L, null, 7).parameters());
    }

    /** A line comment or a semicolon ending a custom query comments out or cuts off none of the SQL around it. */
    @Test
    void aCustomQueryEndingInACommentOrASemicolonEndsBeforeIt() {
        String sql = sql(Mode.INCREMENTING, "id", "", true,
                new PollQuery.Options(0, "UTC", "", "SELECT * FROM orders; -- new ones"));
        assertTrue(sql.contains("(SELECT * FROM orders) AS \"tablestream_query\" WHERE \"id\" > ?"), sql);
    }

    @Test
    void everyStatementBindsOneValuePerPlaceholderInItsOrder() {
        OffsetDateTime bound = OffsetDateTime.parse("2026-01-02T03:04:05Z");
        TableOffset stored = new TableOffset(41L, 1_000_000L);
        OffsetDateTime stamp = OffsetDateTime.parse("1970-01-01T00:00:01Z");
        assertEquals(List.of(41L, 500), statement(Mode.INCREMENTING, stored).parameters());
        assertEquals(List.of(bound, stamp), statement(Mode.TIMESTAMP, stored).parameters());
        assertEquals(List.of(bound, stamp, stamp, 41L, 500), statement(Mode.TIMESTAMP_INCREMENTING, stored).parameters());
        assertEquals(List.of(bound, 500), statement(Mode.TIMESTAMP_INCREMENTING, TableOffset.START).parameters());
        assertEquals(List.of(), statement(Mode.BULK, TableOffset.START).parameters());
        for (Mode mode : List.of(Mode.INCREMENTING, Mode.TIMESTAMP, Mode.TIMESTAMP_INCREMENTING, Mode.BULK)) {
            for (TableOffset offset : List.of(TableOffset.START, stored)) {
                PollQuery.Statement statement = statement(mode, offset);
                assertEquals(statement.sql().chars().filter(c -> c == '?').count(), statement.parameters().size(),
                        mode + " from " + offset + ": " + statement.sql());
            }
        }
    }

    @Test
    void infiniteStampsAreBoundAsTheExtremesPgjdbcReads() {
        PollQuery query = new PollQuery(orders, Mode.TIMESTAMP, "", "updated at", PollQuery.Options.DEFAULTS);
        assertEquals(OffsetDateTime.MAX, query.statement(new TableOffset(null, Long.MAX_VALUE), null, 1).parameters().get(1));
        assertEquals(OffsetDateTime.MIN, query.statement(new TableOffset(null, Long.MIN_VALUE), null, 1).parameters().get(1));
    }

    private String sql(Mode mode, String incrementing, String timestamp, boolean fromOffset, PollQuery.Options options) {
        TableOffset offset = fromOffset ? new TableOffset(1L, 1L) : TableOffset.START;
        return new PollQuery(orders, mode, incrementing, timestamp, options).statement(offset, null, 1).sql();
    }

    private PollQuery.Statement statement(Mode mode, TableOffset offset) {
        OffsetDateTime bound = OffsetDateTime.parse("2026-01-02T03:04:05Z");
        return new PollQuery(orders, mode, "id", "updated at", PollQuery.Options.DEFAULTS).statement(offset, bound, 500);
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
                sql(Mode.BULK, "", "", false, PollQuery.Options.DEFAULTS));
        String delayed = sql(Mode.TIMESTAMP, "", "updated at", true,
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
