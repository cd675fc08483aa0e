package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** Values of a user-defined enum type, as their label under {@link SchemaNames#ENUM}, naming the type. */
final class EnumType implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of(); // found by pg_type.typtype = 'e', not by name
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.string().name(SchemaNames.ENUM)
                .parameter(SchemaNames.ENUM_TYPE_PARAMETER, column.typeSchema() + "." + column.typeName());
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        return rs.getString(index);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // the label
    }
}
