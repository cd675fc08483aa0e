package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalTime;
import java.util.Date;
import java.util.Set;

/**
 * time without time zone: int64 microseconds since midnight under {@link SchemaNames#TIME_MICROS}, or with
 * {@link TimePrecisionMode#CONNECT} Connect's Time (milliseconds since midnight).
 */
record TimeType(TimePrecisionMode mode) implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("time");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return mode == TimePrecisionMode.CONNECT ? Time.builder() : SchemaBuilder.int64().name(SchemaNames.TIME_MICROS);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        if (mode == TimePrecisionMode.CONNECT) {
            LocalTime value = rs.getObject(index, LocalTime.class);
            return value == null ? null : new Date(value.toNanoOfDay() / 1_000_000L);
        }
        // Read as text: PostgreSQL's 24:00:00 is a valid time that LocalTime cannot hold.
        String text = rs.getString(index);
        return text == null ? null : micros(text);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        if (mode == TimePrecisionMode.CONNECT) {
            return new Date(PgText.time(text).toNanoOfDay() / 1_000_000L);
        }
        return micros(text);
    }

    private static long micros(String text) {
        if (text.startsWith("24:00:00")) {
            return 86_400_000_000L;
        }
        return LocalTime.parse(text).toNanoOfDay() / 1_000L;
    }
}
