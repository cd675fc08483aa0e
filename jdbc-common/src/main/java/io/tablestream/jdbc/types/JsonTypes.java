package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** json and jsonb, as the document's text under {@link SchemaNames#JSON}. */
final class JsonTypes implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("json", "jsonb");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.string().name(SchemaNames.JSON);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        return rs.getString(index);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // the document as PostgreSQL prints it, as the driver reads it
    }
}
