package io.tablestream.enricher;

import io.tablestream.jdbc.ConfigEnum;

import java.util.List;
import java.util.Locale;

/**
 * One lookup of the chain: which table to read, how the stream points into it and what to copy.
 *
 * @param name               names this lookup's internal topics, stores and processors
 * @param topic              the lookup table's topic, keyed by its primary key (one field)
 * @param joinField          field of the stream value holding the lookup key; may be a field added by an
 *                           earlier lookup of the chain
 * @param fields             lookup fields to copy, in output order; empty copies all of them
 * @param prefix             prefix of the copied fields' names in the output
 * @param joinType           what happens to a stream record without a lookup row
 * @param semantics          how the lookup is joined, see {@link Semantics}
 * @param graceMs            stream-side grace period of a {@code stream} lookup (KIP-923); 0 = none
 * @param historyRetentionMs how far back a {@code stream} lookup keeps old versions of a lookup row
 * @param waitMs             how long (wall-clock) a record of a {@code stream} inner join that found no lookup
 *                           row waits for it before it is dropped; 0 = not at all
 * @param rememberRoutes     whether a {@code stream} lookup remembers each input key's last route, so records
 *                           without a join key can follow it (see {@link JoinKeyRouter})
 * @param shorthand          whether the lookup is configured with the shorthand keys ({@code lookup.topic}, ...)
 *                           rather than {@code lookup.<name>.*}, so messages name the keys the file has
 */
public record LookupSpec(String name, String topic, String joinField, List<String> fields, String prefix,
                         JoinType joinType, Semantics semantics, long graceMs, long historyRetentionMs,
                         long waitMs, boolean rememberRoutes, boolean shorthand) {

    /** How stream records without a matching lookup row are treated. */
    public enum JoinType implements ConfigEnum {
        INNER,
        LEFT;

        @Override
        public String configValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a lookup is joined. */
    public enum Semantics implements ConfigEnum {
        /** KStream-KTable join against a versioned table: each record joins the row as of its timestamp. */
        STREAM,
        /** KStream-GlobalKTable style lookup of the current row, without repartitioning; not time-aware. */
        GLOBAL,
        /** Foreign-key KTable-KTable join: a lookup change re-emits every dependent row. */
        TABLE;

        @Override
        public String configValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public LookupSpec {
        fields = List.copyOf(fields);
    }

    /** The config key of this lookup's setting {@code suffix} (e.g. "fields"), as the file spells it. */
    public String configKey(String suffix) {
        return EnricherConfig.lookupKey(shorthand ? null : name, suffix);
    }
}
