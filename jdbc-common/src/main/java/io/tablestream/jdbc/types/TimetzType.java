package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/** time with time zone, as ISO-8601 text with microseconds and offset under {@link SchemaNames#TIMETZ}. */
final class TimetzType implements PgType {

    static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSSxxx");

    @Override
    public Set<String> typeNames() {
        return Set.of("timetz");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.string().name(SchemaNames.TIMETZ);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        OffsetTime value = rs.getObject(index, OffsetTime.class);
        return value == null ? null : FORMAT.format(value);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return FORMAT.format(PgText.timetz(text));
    }
}
