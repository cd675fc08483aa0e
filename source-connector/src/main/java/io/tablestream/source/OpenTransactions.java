package io.tablestream.source;

import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the transactions still open in the database allow one poll to read, looked at just BEFORE the poll's
 * snapshot (see {@link TableQuerier} for the reasoning this serves).
 *
 * <p>A transaction gets a transaction id only when it first writes, so the snapshot's {@code xmin} cannot see one
 * that has so far only read; yet it may already hold what orders its future row: {@code now()} (its start time, the
 * value of a {@code DEFAULT now()} column) or an id from a sequence. {@code pg_stat_activity.xact_start} shows every
 * open transaction, written or not. Two bounds follow:
 * <ul>
 *   <li>timestamps: read only rows stamped before the start of the oldest transaction open in this database (and
 *       before this look's own start);</li>
 *   <li>incrementing ids: while a transaction is open, read only rows whose writer had ended before it began. The
 *       rows' commit times are unknown, so each look records the snapshot {@code xmin} it saw and when; a writer
 *       that ended after an open transaction began has an id at or above the {@code xmin} recorded before that
 *       transaction began. Without such a record (the transaction is older than this querier's first look) every
 *       row waits until it ends.</li>
 * </ul>
 */
final class OpenTransactions {

    private static final Logger log = LoggerFactory.getLogger(OpenTransactions.class);

    /**
     * One statement, in autocommit: its snapshot's xmin, then the clock (so writers ending later have ids at or
     * above that xmin), then the oldest open transaction among the backends that can write rows to this database's
     * tables. Our own backend (and its parallel workers) is left out, and so are autovacuum and WAL senders: their
     * transactions never insert or update user rows. Other databases' backends cannot write our tables.
     */
    static final String LOOK_SQL = """
            WITH oldest AS (
                SELECT a.xact_start, a.pid, a.usename, a.application_name, a.state
                FROM pg_stat_activity a
                WHERE a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND a.pid <> pg_backend_pid() AND a.leader_pid IS DISTINCT FROM pg_backend_pid()
                  AND a.xact_start IS NOT NULL
                  AND a.backend_type NOT IN ('autovacuum worker', 'walsender')
                ORDER BY a.xact_start LIMIT 1)
            SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, clock_timestamp(),
                   least(now(), (SELECT xact_start FROM oldest)),
                   o.xact_start, o.pid, o.usename, o.application_name, o.state
            FROM (SELECT 1) one LEFT JOIN oldest o ON true""";

    /** Whether connection.user sees other roles' pg_stat_activity.xact_start. */
    static final String SEES_ALL_SQL = "SELECT current_user::text FROM (SELECT 1) one"
            + " WHERE NOT pg_has_role('pg_read_all_stats', 'USAGE')";

    /** How long a transaction may stay open before the rows it holds back are worth a warning. */
    private static final Duration LONG_OPEN = Duration.ofMinutes(1);

    /** Rows may not pass this full (64-bit) transaction id: everything is held back. */
    static final long HOLD_ALL = 0;

    /** A snapshot's xmin and a clock reading taken after the snapshot: writers ending later have ids >= xmin. */
    private record Look(long xmin, OffsetDateTime takenAt) {
    }

    /**
     * The result of one look.
     *
     * @param timestampBound rows stamped at or after this may still be overtaken: the start of the oldest open
     *                       transaction, or the look's own start
     * @param idHorizon      rows written by a transaction with this full transaction id or a later one may have
     *                       been overtaken by an id an open transaction holds ({@link Long#MAX_VALUE}: none open)
     * @param oldestOpen     when the oldest open transaction began, or null when none is open
     */
    record Bounds(OffsetDateTime timestampBound, long idHorizon, OffsetDateTime oldestOpen) {
    }

    /** Looks oldest first; only those a still-open transaction may need are kept. */
    private final Deque<Look> looks = new ArrayDeque<>();
    private final String name;
    private OffsetDateTime warnedAbout;
    private OffsetDateTime warnedAboutUnknown;

    /** @param name what the bounds are for, in log lines */
    OpenTransactions(String name) {
        this.name = name;
    }

    /** Looks at the open transactions; call in autocommit, just before the poll's own transaction. */
    Bounds look(Handle handle) {
        record Row(long xmin, OffsetDateTime takenAt, OffsetDateTime timestampBound, OffsetDateTime oldestOpen,
                   Integer pid, String user, String application, String state) {
        }
        Row row = handle.createQuery(LOOK_SQL)
                .map((rs, ctx) -> new Row(rs.getLong(1), rs.getObject(2, OffsetDateTime.class),
                        rs.getObject(3, OffsetDateTime.class), rs.getObject(4, OffsetDateTime.class),
                        rs.getObject(5, Integer.class), rs.getString(6), rs.getString(7), rs.getString(8)))
                .one();
        long idHorizon = row.oldestOpen() == null ? Long.MAX_VALUE : horizonBefore(row.oldestOpen());
        forgetLooksBefore(row.oldestOpen());
        looks.addLast(new Look(row.xmin(), row.takenAt()));
        if (row.oldestOpen() != null && row.oldestOpen().plus(LONG_OPEN).isBefore(row.takenAt())
                && !row.oldestOpen().equals(warnedAbout)) {
            warnedAbout = row.oldestOpen();
            log.warn("{}: rows written after {} wait until the transaction of backend pid {} (user {}, application"
                    + " '{}', {}) that began then ends: it may still write a row stamped or numbered before them."
                    + " Commit or end it (pg_terminate_backend({}))", name, row.oldestOpen(), row.pid(), row.user(),
                    row.application(), row.state(), row.pid());
        }
        return new Bounds(row.timestampBound(), idHorizon, row.oldestOpen());
    }

    /** The xmin of the latest look taken no later than {@code start}; {@link #HOLD_ALL} without one. */
    private long horizonBefore(OffsetDateTime start) {
        Look before = null;
        for (Look look : looks) {
            if (look.takenAt().isAfter(start)) {
                break;
            }
            before = look;
        }
        if (before != null) {
            return before.xmin();
        }
        if (!start.equals(warnedAboutUnknown)) {
            warnedAboutUnknown = start;
            log.info("{}: a transaction open since {} began before this connector's first look; incrementing rows"
                    + " wait until it ends (it may hold an id taken before it wrote)", name, start);
        }
        return HOLD_ALL;
    }

    /** Drops the looks no open or later transaction can need: all but the latest one taken by {@code oldestOpen}. */
    private void forgetLooksBefore(OffsetDateTime oldestOpen) {
        while (looks.size() > 1) {
            Look second = looks.stream().skip(1).findFirst().orElseThrow();
            if (oldestOpen != null && second.takenAt().isAfter(oldestOpen)) {
                return;
            }
            looks.removeFirst();
        }
    }

    /**
     * Warns when connection.user cannot see other roles' transaction start times: PostgreSQL then shows NULL for
     * them, and those transactions cannot hold the bounds back.
     */
    static void warnIfBlind(Handle handle) {
        handle.createQuery(SEES_ALL_SQL).mapTo(String.class).findOne().ifPresent(user ->
            log.warn("connection.user {} is neither a superuser nor a member of pg_read_all_stats, so it cannot see"
                    + " when other roles' transactions started (pg_stat_activity.xact_start): a row stamped or"
                    + " numbered early by such a transaction and committed late can be skipped. Fix: GRANT"
                    + " pg_read_all_stats TO {} (read-only; pg_monitor includes it). Until then only transactions"
                    + " of roles whose privileges {} has, and those that have already written, are waited for",
                    user, user, user));
    }
}
