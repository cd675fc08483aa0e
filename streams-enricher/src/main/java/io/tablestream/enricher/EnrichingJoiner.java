package io.tablestream.enricher;

import io.tablestream.enricher.EnrichedSchemas.Layout;
import io.tablestream.enricher.EnrichedSchemas.LookupField;
import io.tablestream.enricher.LookupSpec.JoinType;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges a stream value with its lookup row (null when there is none) into the output value of one lookup.
 * One instance serves all stream threads.
 */
final class EnrichingJoiner {

    private static final Logger log = LoggerFactory.getLogger(EnrichingJoiner.class);

    private final String inputTopic;
    private final LookupSpec lookup;
    private final EnrichedSchemas schemas;

    /**
     * Types for the lookup fields when a left join finds no row: the latest lookup schema this instance has
     * seen. Until it has seen one, such records are written without the lookup fields.
     */
    private volatile Schema lastLookupSchema;

    EnrichingJoiner(String inputTopic, LookupSpec lookup) {
        this.inputTopic = inputTopic;
        this.lookup = lookup;
        this.schemas = new EnrichedSchemas(inputTopic, lookup);
    }

    /**
     * The canonical join key of a record read from the lookup topic ({@code row} null: a delete), or null for a
     * record that changes no row the join can find (a delete without key, e.g. a truncate: logged and skipped).
     * A row the join could not use is rejected here, as a bad record of the lookup topic, rather than stored
     * where every record joined with it would fail (and those waiting for it be lost): a row without key, or one
     * that lacks a field the lookup copies. The lookup table then keeps the row's previous version. Remembers the
     * row's schema, so left-join misses can carry typed null lookup fields early.
     */
    String acceptLookupRecord(SchemaAndValue key, SchemaAndValue row) {
        String joinKey = JoinKeys.ofLookupKey(key, lookup.topic());
        if (joinKey == null) {
            if (row != null) {
                throw new DataException("Lookup topic '" + lookup.topic() + "' has a row without key (or with a null"
                        + " key field): the enricher finds lookup rows by their key, the lookup table's primary key,"
                        + " so no record could ever join it. Give the source table a primary key, or key the topic's"
                        + " records by a unique column (e.g. with the ValueToKey transform)");
            }
            log.warn("Skipping a delete without key in lookup topic '{}' (e.g. a truncate): it names no row, so the"
                    + " lookup table keeps its rows", lookup.topic());
            return null;
        }
        if (row != null && row.value() instanceof Struct struct) {
            schemas.requireLookupFields(struct.schema());
            lastLookupSchema = struct.schema();
        }
        return joinKey;
    }

    /**
     * Joins a record that went through the stream-side repartition (or a global lookup). A tombstone passes
     * unchanged; an inner join without lookup row returns null, which the topology drops.
     */
    OriginalRecord joinRecord(OriginalRecord record, SchemaAndValue lookupRow) {
        if (record.isTombstone()) {
            return record;
        }
        SchemaAndValue enriched = join(record.value(), lookupRow);
        return enriched == null ? null : new OriginalRecord(record.key(), enriched);
    }

    /** Whether the record's value has a (non-null) join field. */
    boolean hasJoinKey(OriginalRecord record) {
        return joinKey(record.value()) != null;
    }

    /** The canonical join key of a stream value; null when its join field is null. */
    String joinKey(SchemaAndValue value) {
        return JoinKeys.ofStreamValue(JoinKeys.streamStruct(value, inputTopic), lookup.joinField(), inputTopic);
    }

    LookupSpec lookup() {
        return lookup;
    }

    String inputTopic() {
        return inputTopic;
    }

    /** The enriched value, or null under an inner join without lookup row. */
    SchemaAndValue join(SchemaAndValue value, SchemaAndValue lookupValue) {
        Struct input = JoinKeys.streamStruct(value, inputTopic);
        // A record with a null join field is routed by its previous join key to keep its order; any row
        // found under that key is not its lookup row.
        Struct lookupRow = joinKey(value) != null ? lookupStruct(lookupValue) : null;
        if (lookupRow == null && lookup.joinType() == JoinType.INNER) {
            return null;
        }
        if (lookupRow != null) {
            lastLookupSchema = lookupRow.schema();
        }
        Schema lookupSchema = lookupRow != null ? lookupRow.schema() : lastLookupSchema;
        if (lookupSchema == null) {
            log.debug("No lookup row and no lookup schema seen yet: writing a record of '{}' without the fields "
                    + "of '{}'", inputTopic, lookup.topic());
        }
        Layout layout = schemas.layout(input.schema(), lookupSchema);
        Struct output = new Struct(layout.schema());
        for (Field field : input.schema().fields()) {
            output.put(field.name(), input.getWithoutDefault(field.name()));
        }
        if (lookupRow != null) {
            for (LookupField field : layout.lookupFields()) {
                Schema target = field.target().schema();
                output.put(field.target(), EnrichedSchemas.adapt(lookupRow.getWithoutDefault(field.source()), target));
            }
        }
        return new SchemaAndValue(layout.schema(), output);
    }

    private Struct lookupStruct(SchemaAndValue row) {
        if (row == null || row.value() == null) {
            return null;
        }
        if (row.value() instanceof Struct struct) {
            return struct;
        }
        throw new DataException("Values in lookup topic '" + lookup.topic() + "' must be Connect Structs (records "
                + "with a struct schema), got " + row.value().getClass().getSimpleName());
    }
}
