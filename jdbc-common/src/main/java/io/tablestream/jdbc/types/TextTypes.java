package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** text, varchar, char(n), name, citext and the single-byte "char". */
final class TextTypes implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("text", "varchar", "bpchar", "name", "citext", "char");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.string();
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        return rs.getString(index);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // the driver reads the same text
    }
}
