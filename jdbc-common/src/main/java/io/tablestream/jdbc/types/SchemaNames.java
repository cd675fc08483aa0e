package io.tablestream.jdbc.types;

/**
 * Names of the Connect schemas tablestream puts on values that Connect has no logical type for (or none precise
 * enough). The source sets them; the sink reads them back to create the original PostgreSQL column type, so a
 * table copied source -> sink with auto.create comes out identical.
 */
public final class SchemaNames {

    /** STRING holding a JSON document (json, jsonb). */
    public static final String JSON = "io.tablestream.data.Json";
    /** STRING holding a UUID in its canonical text form. */
    public static final String UUID = "io.tablestream.data.Uuid";
    /** STRING holding an exact decimal of unconstrained scale (PostgreSQL {@code numeric} without precision). */
    public static final String NUMERIC = "io.tablestream.data.Numeric";
    /** STRING holding a value of a PostgreSQL enum type; parameter {@link #ENUM_TYPE_PARAMETER} names the type. */
    public static final String ENUM = "io.tablestream.data.Enum";
    public static final String ENUM_TYPE_PARAMETER = "io.tablestream.enum.type";
    /**
     * STRING holding PostgreSQL's text output of a type no other name covers (inet, money, ranges, composites,
     * arrays of them...); parameter {@link #PG_TYPE_PARAMETER} names the type as SQL writes it, e.g. {@code bit(3)}.
     */
    public static final String PG_TEXT = "io.tablestream.data.PgText";
    public static final String PG_TYPE_PARAMETER = "io.tablestream.pg.type";

    /** INT64 microseconds since 1970-01-01T00:00 of a {@code timestamp} (without time zone) column. */
    public static final String TIMESTAMP_MICROS = "io.tablestream.time.TimestampMicros";
    /** INT64 microseconds since the epoch (UTC) of a {@code timestamptz} column. */
    public static final String TIMESTAMPTZ_MICROS = "io.tablestream.time.TimestamptzMicros";
    /** INT64 microseconds since midnight of a {@code time} column. */
    public static final String TIME_MICROS = "io.tablestream.time.TimeMicros";
    /** STRING ISO-8601 time with offset, e.g. {@code 13:45:30.123456+02:00}, of a {@code timetz} column. */
    public static final String TIMETZ = "io.tablestream.time.Timetz";
    /** STRING ISO-8601 duration, e.g. {@code P1Y2M3DT4H5M6.000007S}, of an {@code interval} column. */
    public static final String INTERVAL = "io.tablestream.time.Interval";

    private SchemaNames() {
    }
}
