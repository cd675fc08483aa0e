package io.tablestream.enricher;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.util.List;

/**
 * Turns both sides' join keys into one canonical String, so an int32 key in the lookup topic matches an
 * int64 or string foreign key in the stream: integers and decimals become their plain decimal digits
 * ({@code 7}, {@code 7.00} and {@code "7"} all become "7"), strings stay as they are.
 */
final class JoinKeys {

    private JoinKeys() {
    }

    /** The lookup record's key: a Struct with exactly one field, or a bare primitive; null if absent. */
    static String ofLookupKey(SchemaAndValue key, String lookupTopic) {
        if (key == null || key.value() == null) {
            return null;
        }
        Object value = key.value();
        if (value instanceof Struct struct) {
            List<Field> fields = struct.schema().fields();
            if (fields.size() != 1) {
                throw new DataException("Lookup topic '" + lookupTopic + "' has a record key with " + fields.size()
                        + " fields " + fields.stream().map(Field::name).toList() + "; the enricher supports only "
                        + "lookup tables whose primary key is a single column");
            }
            value = struct.getWithoutDefault(fields.get(0).name());
        }
        String joinKey = canonical(value);
        if (joinKey == null && value != null) {
            throw unsupported(value, "key of lookup topic '" + lookupTopic + "'");
        }
        return joinKey;
    }

    /** The stream value's join field, or null when the field is null. */
    static String ofStreamValue(Struct value, String joinField, String inputTopic) {
        if (value.schema().field(joinField) == null) {
            throw new DataException("join.field '" + joinField + "' is not a field of the values in input topic '"
                    + inputTopic + "'; its fields are " + value.schema().fields().stream().map(Field::name).toList()
                    + ". Set join.field to one of them");
        }
        Object joinValue = value.getWithoutDefault(joinField);
        String joinKey = canonical(joinValue);
        if (joinKey == null && joinValue != null) {
            throw unsupported(joinValue, "field '" + joinField + "' of input topic '" + inputTopic + "'");
        }
        return joinKey;
    }

    /** The stream value as a Struct: the join needs named fields, so schemaless values are rejected. */
    static Struct streamStruct(SchemaAndValue value, String inputTopic) {
        if (value.value() instanceof Struct struct) {
            return struct;
        }
        throw new DataException("Values in input topic '" + inputTopic + "' must be Connect Structs (records with "
                + "a struct schema, e.g. JSON with schemas.enable=true), got "
                + value.value().getClass().getSimpleName());
    }

    /**
     * The canonical form of {@code value}; null when it is null or of a type that cannot be a join key. The
     * callers name the value only when it is rejected: join keys are computed several times per record.
     */
    private static String canonical(Object value) {
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
            return Long.toString(((Number) value).longValue());
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.stripTrailingZeros().toPlainString();
        }
        if (value instanceof String || value instanceof Boolean) {
            return value.toString();
        }
        return null;
    }

    private static DataException unsupported(Object value, String where) {
        return new DataException("Cannot join on the " + where + ": its type " + value.getClass().getSimpleName()
                + " is not supported; join keys must be integers, decimals, strings or booleans");
    }
}
