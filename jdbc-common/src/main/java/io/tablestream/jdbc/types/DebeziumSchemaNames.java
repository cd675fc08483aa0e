package io.tablestream.jdbc.types;

/** The names of Debezium's PostgreSQL connector schemas the type mappings read, beside our own {@link SchemaNames}. */
public final class DebeziumSchemaNames {

    /** BYTES of a {@code bit(n)}/{@code bit varying(n)} with n > 1; parameter {@value #BITS_LENGTH} is n. */
    public static final String BITS = "io.debezium.data.Bits";
    /** STRING holding a JSON document (json, jsonb; hstore under hstore.handling.mode=json). */
    public static final String JSON = "io.debezium.data.Json";
    /** STRUCT of {@code wkb} and {@code srid} of a PostGIS geometry. */
    public static final String GEOMETRY = "io.debezium.data.geometry.Geometry";
    /** STRUCT of {@code wkb} and {@code srid} of a PostGIS geography. */
    public static final String GEOGRAPHY = "io.debezium.data.geometry.Geography";
    /** STRUCT of {@code x}, {@code y}, {@code wkb} and {@code srid} of a PostgreSQL point. */
    public static final String POINT = "io.debezium.data.geometry.Point";
    /** INT64 microseconds of a wall-clock {@code timestamp}. */
    public static final String MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
    /** INT64 milliseconds of a wall-clock {@code timestamp}. */
    public static final String TIMESTAMP = "io.debezium.time.Timestamp";
    /** INT64 nanoseconds of a wall-clock {@code timestamp}. */
    public static final String NANO_TIMESTAMP = "io.debezium.time.NanoTimestamp";
    public static final String UUID = "io.debezium.data.Uuid";
    public static final String ENUM = "io.debezium.data.Enum";
    public static final String ENUM_SET = "io.debezium.data.EnumSet";
    public static final String ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp";
    public static final String MICRO_TIME = "io.debezium.time.MicroTime";
    public static final String TIME = "io.debezium.time.Time";
    public static final String NANO_TIME = "io.debezium.time.NanoTime";
    public static final String ZONED_TIME = "io.debezium.time.ZonedTime";
    public static final String DATE = "io.debezium.time.Date";
    public static final String INTERVAL = "io.debezium.time.Interval";
    public static final String MICRO_DURATION = "io.debezium.time.MicroDuration";
    public static final String XML = "io.debezium.data.Xml";
    public static final String VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal";
    public static final String BITS_LENGTH = "length";

    private DebeziumSchemaNames() {
    }
}
