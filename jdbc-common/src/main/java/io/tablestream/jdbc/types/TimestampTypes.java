package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Set;

/** timestamp (read as UTC) and timestamptz, as Connect's Timestamp. */
final class TimestampTypes implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("timestamp", "timestamptz");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return Timestamp.builder();
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        if ("timestamptz".equals(column.typeName())) {
            OffsetDateTime value = rs.getObject(index, OffsetDateTime.class);
            return value == null ? null : Date.from(value.toInstant());
        }
        LocalDateTime value = rs.getObject(index, LocalDateTime.class);
        return value == null ? null : Date.from(value.toInstant(ZoneOffset.UTC));
    }
}
