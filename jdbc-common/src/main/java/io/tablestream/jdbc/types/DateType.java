package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Set;

/** date, as Connect's Date (midnight UTC of that day). */
final class DateType extends FixedSchemaType {

    DateType() {
        super(Set.of("date"), org.apache.kafka.connect.data.Date::builder);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        LocalDate value = rs.getObject(index, LocalDate.class);
        return value == null ? null : connect(value);
    }

    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        if (org.apache.kafka.connect.data.Date.LOGICAL_NAME.equals(schema.name())) {
            return (value, out) -> PgBinary.dateMillis(((Date) value).getTime(), out);
        }
        return DebeziumSchemaNames.DATE.equals(schema.name())
                ? (value, out) -> PgBinary.dateDays((Integer) value, out) : null;
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return connect(PgText.date(text));
    }

    private static Date connect(LocalDate value) {
        return Date.from(value.atStartOfDay(ZoneOffset.UTC).toInstant());
    }
}
