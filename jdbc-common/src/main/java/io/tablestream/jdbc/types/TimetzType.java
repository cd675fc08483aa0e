package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * time with time zone, as ISO-8601 text with microseconds and offset under {@link SchemaNames#TIMETZ}, e.g.
 * {@code 13:45:30.123456+02:00}; PostgreSQL's end of day stays {@code 24:00:00.000000+00:00} (valid ISO-8601 and
 * valid PostgreSQL input).
 */
final class TimetzType extends FixedSchemaType {

    /** Hours and minutes of the offset, and its seconds where it has any (PostgreSQL keeps them). */
    static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSSxxxxx");
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xxxxx");
    private static final String END_OF_DAY = "24:00:00";

    /** Read as text (the default): the driver turns 24:00:00 into OffsetTime.MAX, losing the offset. */
    TimetzType() {
        super(Set.of("timetz"), () -> SchemaBuilder.string().name(SchemaNames.TIMETZ));
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
