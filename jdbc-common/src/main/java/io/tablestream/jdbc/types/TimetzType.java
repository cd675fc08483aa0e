package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * time with time zone, as ISO-8601 text with microseconds and offset under {@link SchemaNames#TIMETZ}, e.g.
 * {@code 13:45:30.123456+02:00}; PostgreSQL's end of day stays {@code 24:00:00.000000+00:00} (valid ISO-8601 and
 * valid PostgreSQL input).
 */
final class TimetzType implements PgType {

    /** Hours and minutes of the offset, and its seconds where it has any (PostgreSQL keeps them). */
    static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSSxxxxx");
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xxxxx");
    private static final String END_OF_DAY = "24:00:00";

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
        // Read as text: the driver turns 24:00:00 into OffsetTime.MAX, losing the offset.
        String text = rs.getString(index);
        return text == null ? null : readText(text, column);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        OffsetTime value = PgText.timetz(text);
        if (text.startsWith(END_OF_DAY)) {
            return END_OF_DAY + ".000000" + OFFSET.format(value.getOffset());
        }
        return FORMAT.format(value);
    }
}
