package io.tablestream.jdbc.types;

/**
 * Names of the Connect schemas tablestream puts on values that Connect has no logical type for.
 * The source sets them; the sink reads them back to create the original PostgreSQL column type.
 */
public final class SchemaNames {

    /** STRING holding a JSON document (json, jsonb). */
    public static final String JSON = "io.tablestream.data.Json";
    /** STRING holding a UUID in its canonical text form. */
    public static final String UUID = "io.tablestream.data.Uuid";
    /** STRING holding an exact decimal of unconstrained scale (PostgreSQL {@code numeric} without precision). */
    public static final String NUMERIC = "io.tablestream.data.Numeric";

    private SchemaNames() {
    }
}
