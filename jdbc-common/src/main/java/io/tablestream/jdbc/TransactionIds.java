package io.tablestream.jdbc;

/** PostgreSQL transaction ids: 32-bit ones (xmin, pgoutput) and the 64-bit ones snapshots print. */
public final class TransactionIds {

    private TransactionIds() {
    }

    /**
     * The 64-bit id of a 32-bit one seen with a snapshot whose xmax is {@code snapshotXmax}: the one closest below
     * (or at) xmax, as no live transaction is more than 2^31 ids older than the newest.
     */
    public static long full(long xid32, long snapshotXmax) {
        return snapshotXmax - ((snapshotXmax - xid32) & 0xFFFF_FFFFL);
    }

    /**
     * The 64-bit id of a 32-bit one that may be older or newer than {@code reference} (a transaction streamed after
     * a snapshot was taken has an id at or above its xmax): the one within 2^31 of the reference either way.
     */
    public static long nearest(long xid32, long reference) {
        return reference + (int) (xid32 - reference);
    }
}
