package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the type family for a PostgreSQL column; one small class per family, configured by {@link PgTypeOptions}.
 * A type no family names, and an array of one, is read as its text output ({@link TextOutputType}).
 */
public final class PgTypeCatalog {

    private static final PgTypeCatalog DEFAULT = new PgTypeCatalog(PgTypeOptions.DEFAULTS);

    private final Map<String, PgType> byName = new HashMap<>();
    private final PgType enumType = new EnumType();
    private final PgType textOutputType = new TextOutputType();
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

    /** A reader for the column under the default options. */
    public static ColumnReader reader(PgColumn column) {
        return DEFAULT.readerFor(column);
    }

    /** A reader for the column. */
    public ColumnReader readerFor(PgColumn column) {
        PgType family = family(column);
        SchemaBuilder schema = family.schema(column);
        if (!column.notNull()) {
            schema.optional();
        }
        return new ColumnReader(column, family, schema.build());
    }

    /**
     * How a Connect value of {@code schema} goes into the column in COPY's binary format, or empty where text is the
     * only way: enums, arrays, domains (pass their base type only when the column is not a domain), types read as
     * their text output, and schemas the column's family has no binary form for. Independent of the options.
     */
    public static Optional<BinaryEncoder> binaryEncoder(PgColumn column, Schema schema) {
        if (column.kind() != PgColumn.Kind.BASE || schema == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(DEFAULT.family(column).binaryEncoder(column, schema));
    }

    PgType family(PgColumn column) {
        return switch (column.kind()) {
            case ENUM -> enumType;
            // An array's text output is one value as much as a composite's is: its elements need no family
            case ARRAY -> family(column.element()) == textOutputType ? textOutputType : arrayType;
            // A user's type may share a built-in's name (app.uuid): only the built-in (and the extension type
            // citext, in whichever schema it was installed) is read by the family of that name
            case BASE -> PgColumn.PG_CATALOG.equals(column.typeSchema()) || column.typeName().equals("citext")
                    ? byName.getOrDefault(column.typeName(), textOutputType) : textOutputType;
        };
    }
}
