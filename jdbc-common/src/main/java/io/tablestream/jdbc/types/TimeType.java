package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalTime;
import java.util.Date;
import java.util.Set;

/** time without time zone, as Connect's Time (milliseconds since midnight). */
final class TimeType implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("time");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return Time.builder();
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        LocalTime value = rs.getObject(index, LocalTime.class);
        return value == null ? null : new Date(value.toNanoOfDay() / 1_000_000L);
    }
}
