package io.tablestream.source.cdc;

import java.util.List;

/**
 * The pgoutput messages tablestream acts on (protocol version 1; PostgreSQL docs, "Logical Replication Message
 * Formats"). Anything else is {@link Ignored}.
 */
public sealed interface PgOutputMessage {

    /** A transaction starts; {@code finalLsn} is the LSN of its commit record. */
    record Begin(long finalLsn, long commitTimeMicros, long xid) implements PgOutputMessage {
    }

    /** A transaction ends; {@code endLsn} is where the next transaction starts (what the slot confirms). */
    record Commit(long commitLsn, long endLsn, long commitTimeMicros) implements PgOutputMessage {
    }

    /** Describes a table before the first change to it after a connect or a schema change. */
    record Relation(int relationId, String namespace, String name, char replicaIdentity, List<Column> columns)
            implements PgOutputMessage {
    }

    /** A column of a {@link Relation}. */
    record Column(boolean partOfKey, String name, int typeOid, int typmod) {
    }

    record Insert(int relationId, TupleData newTuple) implements PgOutputMessage {
    }

    /** {@code oldTuple} is the key ('K') or the whole old row ('O'), or null when the replica identity gives none. */
    record Update(int relationId, TupleData oldTuple, boolean oldIsKeyOnly, TupleData newTuple)
            implements PgOutputMessage {
    }

    record Delete(int relationId, TupleData oldTuple, boolean oldIsKeyOnly) implements PgOutputMessage {
    }

    record Truncate(List<Integer> relationIds) implements PgOutputMessage {
    }

    /** Origin, Type, logical decoding messages and anything newer than protocol 1. */
    record Ignored(char tag) implements PgOutputMessage {
    }

    /** One row's values as text; a value is null for SQL NULL or {@link #UNCHANGED_TOAST}. */
    record TupleData(List<String> values) {
        /** Marker for a TOASTed value the update did not change: pgoutput does not send it. */
        public static final String UNCHANGED_TOAST = new String("\u0000unchanged-toast");

        public boolean isUnchangedToast(int index) {
            return values.get(index) == UNCHANGED_TOAST;
        }
    }
}
