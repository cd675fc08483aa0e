package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds the type family for a PostgreSQL column; one small class per family. */
public final class PgTypeCatalog {

    private static final List<PgType> FAMILIES = List.of(
            new IntegerTypes(), new FloatingPointTypes(), new NumericType(), new BooleanType(), new TextTypes(),
            new ByteaType(), new DateType(), new TimeType(), new TimestampTypes(), new UuidType(), new JsonTypes());

    private static final Map<String, PgType> BY_NAME = new HashMap<>();

    static {
        for (PgType family : FAMILIES) {
            for (String name : family.typeNames()) {
                BY_NAME.put(name, family);
            }
        }
    }

    private PgTypeCatalog() {
    }

    /** A reader for the column, or empty when tablestream does not know the type yet. */
    public static Optional<ColumnReader> reader(PgColumn column) {
        PgType family = BY_NAME.get(column.typeName());
        if (family == null) {
            return Optional.empty();
        }
        SchemaBuilder schema = family.schema(column);
        if (!column.notNull()) {
            schema.optional();
        }
        return Optional.of(new ColumnReader(column, family, schema.build()));
    }
}
