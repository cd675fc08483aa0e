package io.tablestream.enricher;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the output schema: the input value's fields unchanged, followed by the selected lookup fields
 * renamed {@code <prefix><field>}. Schemas are cached per (input schema, lookup schema) pair, so a schema is
 * built once per schema version rather than once per record. Thread-safe: one instance serves all stream
 * threads.
 */
final class EnrichedSchemas {

    /** Schemas change rarely; the bound only stops a misbehaving producer from growing the cache forever. */
    private static final int MAX_CACHED = 256;

    /** A lookup field to copy: its name in the lookup value and its field in the output. */
    record LookupField(String source, Field target) {
    }

    /** The output schema plus where each value goes, computed once per schema pair. */
    record Layout(Schema schema, List<LookupField> lookupFields) {
    }

    private record SchemaPair(Schema input, Schema lookup) {
    }

    private final String inputTopic;
    private final String lookupTopic;
    private final List<String> selectedFields;
    private final String prefix;
    private final String fieldsKey;
    private final String prefixKey;
    private final Map<SchemaPair, Layout> cache = new ConcurrentHashMap<>();
    /** The last pair looked up, compared by identity; shared by the stream threads, so published whole. */
    private volatile LastLayout lastLayout;
    /** The last lookup schema found to have every selected field, compared by identity. */
    private volatile Schema lastCheckedLookupSchema;

    private record LastLayout(Schema input, Schema lookup, Layout layout) {
    }

    EnrichedSchemas(String inputTopic, LookupSpec lookup) {
        this.inputTopic = inputTopic;
        this.lookupTopic = lookup.topic();
        this.selectedFields = lookup.fields();
        this.prefix = lookup.prefix();
        this.fieldsKey = lookup.configKey("fields");
        this.prefixKey = lookup.configKey("prefix");
    }

    /** The layout for these schemas; a null lookup schema (never seen one yet) yields the input fields only. */
    Layout layout(Schema inputSchema, Schema lookupSchema) {
        // Converters cache their schemas, so consecutive records nearly always carry the very same instances;
        // checking those first skips hashing both schemas (a walk over every field) for each record.
        LastLayout last = lastLayout;
        if (last != null && last.input() == inputSchema && last.lookup() == lookupSchema) {
            return last.layout();
        }
        SchemaPair pair = new SchemaPair(inputSchema, lookupSchema);
        Layout layout = cache.get(pair);
        if (layout == null) {
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            layout = build(inputSchema, lookupSchema);
            cache.put(pair, layout);
        }
        lastLayout = new LastLayout(inputSchema, lookupSchema, layout);
        return layout;
    }

    private Layout build(Schema inputSchema, Schema lookupSchema) {
        SchemaBuilder builder = SchemaBuilder.struct();
        if (inputSchema.isOptional()) {
            builder.optional();
        }
        inputSchema.fields().forEach(field -> builder.field(field.name(), field.schema()));
        List<String> sources = new ArrayList<>();
        if (lookupSchema != null) {
            requireLookupFields(lookupSchema);
            for (String source : selectedFields.isEmpty() ? fieldNames(lookupSchema) : selectedFields) {
                Field field = lookupSchema.field(source);
                String target = prefix + source;
                if (inputSchema.field(target) != null) {
                    throw new DataException("Lookup field '" + source + "' would be written as '" + target
                            + "', which is already a field of input topic '" + inputTopic
                            + "' (or was added by an earlier lookup). Set another " + prefixKey + " or leave the "
                            + "field out of " + fieldsKey);
                }
                builder.field(target, optionalWithoutDefault(field.schema()));
                sources.add(source);
            }
        }
        Schema schema = builder.build();
        List<LookupField> lookupFields = sources.stream()
                .map(source -> new LookupField(source, schema.field(prefix + source)))
                .toList();
        return new Layout(schema, lookupFields);
    }

    /** Rejects a lookup schema that lacks one of the fields the lookup copies. */
    void requireLookupFields(Schema lookupSchema) {
        if (lookupSchema == lastCheckedLookupSchema) {
            return;
        }
        for (String source : selectedFields) {
            if (lookupSchema.field(source) == null) {
                throw new DataException("The lookup fields name '" + source + "', which is not a field of this row "
                        + "of lookup topic '" + lookupTopic + "'; its fields are " + fieldNames(lookupSchema)
                        + ". The lookup table keeps the row's previous version. Leave the field out of "
                        + fieldsKey + ", or give the lookup table that column back");
            }
        }
        lastCheckedLookupSchema = lookupSchema;
    }

    /**
     * The field's schema, made optional (a left join has no lookup row to take it from) and without a default
     * (a missing lookup row must read as null, not as the column default). Name, version, parameters and doc
     * are kept, so logical types such as Decimal or Timestamp stay what they are.
     */
    static Schema optionalWithoutDefault(Schema schema) {
        if (schema.isOptional() && schema.defaultValue() == null) {
            return schema;
        }
        SchemaBuilder builder = switch (schema.type()) {
            case STRUCT -> {
                SchemaBuilder struct = SchemaBuilder.struct();
                schema.fields().forEach(field -> struct.field(field.name(), field.schema()));
                yield struct;
            }
            case ARRAY -> SchemaBuilder.array(schema.valueSchema());
            case MAP -> SchemaBuilder.map(schema.keySchema(), schema.valueSchema());
            default -> SchemaBuilder.type(schema.type());
        };
        builder.optional().name(schema.name()).version(schema.version()).doc(schema.doc());
        if (schema.parameters() != null) {
            builder.parameters(schema.parameters());
        }
        return builder.build();
    }

    /** A nested Struct must carry exactly its field's schema, so one copied into a new schema is rebuilt. */
    static Object adapt(Object value, Schema target) {
        if (value instanceof Struct struct && !struct.schema().equals(target)) {
            Struct copy = new Struct(target);
            target.fields().forEach(field -> copy.put(field, struct.getWithoutDefault(field.name())));
            return copy;
        }
        return value;
    }

    private static List<String> fieldNames(Schema schema) {
        return schema.fields().stream().map(Field::name).toList();
    }
}
