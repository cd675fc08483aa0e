package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** uuid, as its canonical text under {@link SchemaNames#UUID}. */
final class UuidType implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("uuid");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.string().name(SchemaNames.UUID);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        return rs.getString(index);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // PostgreSQL prints the canonical form
    }
}
