package io.tablestream.enricher;

import io.tablestream.enricher.EnrichedSchemas.Layout;
import io.tablestream.enricher.EnrichedSchemas.LookupField;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges an input record with its lookup row (null when there is none, under a left join) into the output
 * value, keeping the record's original key. One instance serves all stream threads.
 */
final class EnrichingJoiner implements ValueJoiner<OriginalRecord, SchemaAndValue, OriginalRecord> {

    private static final Logger log = LoggerFactory.getLogger(EnrichingJoiner.class);

    private final String inputTopic;
    private final String lookupTopic;
    private final String joinField;
    private final EnrichedSchemas schemas;

    /**
     * Types for the lookup fields when a left join finds no row: the latest lookup schema this instance has
     * seen. Until it has seen one, such records are written without the lookup fields.
     */
    private volatile Schema lastLookupSchema;

    EnrichingJoiner(EnricherConfig config) {
        this.inputTopic = config.inputTopic();
        this.lookupTopic = config.lookupTopic();
        this.joinField = config.joinField();
        this.schemas = new EnrichedSchemas(config);
    }

    /** Called for each lookup row read, so left-join misses can carry typed null lookup fields early. */
    void rememberLookupSchema(SchemaAndValue lookup) {
        if (lookup != null && lookup.value() instanceof Struct struct) {
            lastLookupSchema = struct.schema();
        }
    }

    @Override
    public OriginalRecord apply(OriginalRecord record, SchemaAndValue lookup) {
        Struct input = JoinKeys.streamStruct(record.value(), inputTopic);
        // A record with a null join field is routed by its previous join key to keep its order; any row
        // found under that key is not its lookup row.
        boolean hasJoinKey = JoinKeys.ofStreamValue(input, joinField, inputTopic) != null;
        Struct lookupRow = hasJoinKey ? lookupStruct(lookup) : null;
        if (lookupRow != null) {
            lastLookupSchema = lookupRow.schema();
        }
        Schema lookupSchema = lookupRow != null ? lookupRow.schema() : lastLookupSchema;
        if (lookupSchema == null) {
            log.debug("No lookup row and no lookup schema seen yet: writing a record of '{}' without the fields "
                    + "of '{}'", inputTopic, lookupTopic);
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
        return new OriginalRecord(record.key(), new SchemaAndValue(layout.schema(), output));
    }

    private Struct lookupStruct(SchemaAndValue lookup) {
        if (lookup == null || lookup.value() == null) {
            return null;
        }
        if (lookup.value() instanceof Struct struct) {
            return struct;
        }
        throw new DataException("Values in lookup topic '" + lookupTopic + "' must be Connect Structs (JSON with "
                + "an embedded struct schema), got " + lookup.value().getClass().getSimpleName());
    }
}
