package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds the type family for a PostgreSQL column; one small class per family, configured by {@link PgTypeOptions}. */
public final class PgTypeCatalog {

    private static final PgTypeCatalog DEFAULT = new PgTypeCatalog(PgTypeOptions.DEFAULTS);

    private final Map<String, PgType> byName = new HashMap<>();
    private final PgType enumType = new EnumType();
    private final PgType arrayType;

    private PgTypeCatalog(PgTypeOptions options) {
        List<PgType> families = List.of(
                new IntegerTypes(), new FloatingPointTypes(), new NumericType(options.numericMapping()),
                new BooleanType(), new TextTypes(), new ByteaType(), new DateType(),
                new TimeType(options.timePrecision()), new TimetzType(),
                new TimestampTypes(options.timePrecision(), options.dbTimeZone()), new IntervalType(),
                new UuidType(), new JsonTypes());
        for (PgType family : families) {
            for (String name : family.typeNames()) {
                byName.put(name, family);
            }
        }
        arrayType = new ArrayType(this);
    }

    /** The catalog for these options. */
    public static PgTypeCatalog of(PgTypeOptions options) {
        return options.equals(PgTypeOptions.DEFAULTS) ? DEFAULT : new PgTypeCatalog(options);
    }

    /** A reader for the column under the default options, or empty when tablestream does not know the type. */
    public static Optional<ColumnReader> reader(PgColumn column) {
        return DEFAULT.readerFor(column);
    }

    /** A reader for the column, or empty when tablestream does not know the type (or an array's element type). */
    public Optional<ColumnReader> readerFor(PgColumn column) {
        return family(column).map(family -> {
            SchemaBuilder schema = family.schema(column);
            if (!column.notNull()) {
                schema.optional();
            }
            return new ColumnReader(column, family, schema.build());
        });
    }

    /**
     * How a Connect value of {@code schema} goes into the column in COPY's binary format, or empty where text is the
     * only way: enums, arrays, domains (pass their base type only when the column is not a domain), types tablestream
     * does not know, and schemas the column's family has no binary form for. Independent of the options.
     */
    public static Optional<BinaryEncoder> binaryEncoder(PgColumn column, Schema schema) {
        if (column.kind() != PgColumn.Kind.BASE || schema == null) {
            return Optional.empty();
        }
        return DEFAULT.family(column).map(family -> family.binaryEncoder(column, schema));
    }

    Optional<PgType> family(PgColumn column) {
        return switch (column.kind()) {
            case ENUM -> Optional.of(enumType);
            case ARRAY -> family(column.element()).map(elementFamily -> arrayType);
            case BASE -> Optional.ofNullable(byName.get(column.typeName()));
        };
    }
}
