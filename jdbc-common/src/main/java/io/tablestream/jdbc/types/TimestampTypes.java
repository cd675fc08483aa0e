package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Set;

/**
 * timestamp and timestamptz. By default int64 microseconds since the epoch under
 * {@link SchemaNames#TIMESTAMP_MICROS} (the wall-clock value read as UTC) or {@link SchemaNames#TIMESTAMPTZ_MICROS};
 * with {@link TimePrecisionMode#CONNECT} Connect's Timestamp (milliseconds; a timestamp without time zone is taken in
 * {@code db.timezone}). PostgreSQL's {@code infinity}/{@code -infinity} become the largest/smallest value.
 */
record TimestampTypes(TimePrecisionMode mode, ZoneId dbTimeZone) implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("timestamp", "timestamptz");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        if (mode == TimePrecisionMode.CONNECT) {
            return Timestamp.builder();
        }
        return SchemaBuilder.int64().name("timestamptz".equals(column.typeName())
                ? SchemaNames.TIMESTAMPTZ_MICROS : SchemaNames.TIMESTAMP_MICROS);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        if ("timestamptz".equals(column.typeName())) {
            OffsetDateTime value = rs.getObject(index, OffsetDateTime.class);
            return value == null ? null : connect(value);
        }
        LocalDateTime value = rs.getObject(index, LocalDateTime.class);
        return value == null ? null : connect(value);
    }

    private Object infinity(boolean positive) {
        long value = positive ? Long.MAX_VALUE : Long.MIN_VALUE;
        return mode == TimePrecisionMode.CONNECT ? new Date(value) : value;
    }

    /**
     * Connect's Timestamp into either type (a timestamp without time zone takes the UTC wall clock, as from the text
     * form's "+00"); microseconds into the type they name, or UTC microseconds into a timestamp without time zone.
     * Not wall-clock microseconds into timestamptz: those go as text with the offset +00 (see ColumnTargetTypes).
     */
    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        if (schema.name() == null) {
            return null;
        }
        boolean withZone = "timestamptz".equals(column.typeName());
        return switch (schema.name()) {
            case Timestamp.LOGICAL_NAME -> (value, out) -> PgBinary.timestampMillis(((Date) value).getTime(), out);
            case SchemaNames.TIMESTAMPTZ_MICROS -> (value, out) -> PgBinary.timestampMicros((Long) value, out);
            case SchemaNames.TIMESTAMP_MICROS -> withZone ? null
                    : (value, out) -> PgBinary.timestampMicros((Long) value, out);
            case DebeziumSchemaNames.MICRO_TIMESTAMP -> withZone ? null
                    : (value, out) -> PgBinary.timestampMicros(DebeziumInfinity.micros((Long) value), out);
            default -> null;
        };
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return "timestamptz".equals(column.typeName()) ? connect(PgText.timestamptz(text)) : connect(PgText.timestamp(text));
    }

    private Object connect(OffsetDateTime value) {
        if (value.equals(OffsetDateTime.MAX) || value.equals(OffsetDateTime.MIN)) {
            return infinity(value.equals(OffsetDateTime.MAX));
        }
        return connect(value.toInstant());
    }

    private Object connect(LocalDateTime value) {
        if (value.equals(LocalDateTime.MAX) || value.equals(LocalDateTime.MIN)) {
            return infinity(value.equals(LocalDateTime.MAX));
        }
        // In the repeated hour of a change back, the offset after the change, as PostgreSQL reads such a time
        return connect(mode == TimePrecisionMode.CONNECT
                ? value.atZone(dbTimeZone).withLaterOffsetAtOverlap().toInstant() : value.toInstant(ZoneOffset.UTC));
    }

    private Object connect(Instant instant) {
        if (mode == TimePrecisionMode.CONNECT) {
            return Date.from(instant);
        }
        // Not ChronoUnit.MICROS.between: it counts in nanoseconds and overflows outside 1677..2262.
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
