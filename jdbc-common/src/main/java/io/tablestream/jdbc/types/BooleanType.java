package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** boolean. */
final class BooleanType extends FixedSchemaType {

    BooleanType() {
        super(Set.of("bool"), SchemaBuilder::bool);
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        boolean value = rs.getBoolean(index);
        return rs.wasNull() ? null : value;
    }

    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        return schema.name() == null && schema.type() == Schema.Type.BOOLEAN
                ? (value, out) -> out.writeByte((Boolean) value ? 1 : 0) : null;
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return switch (text) {
            case "t" -> true;
            case "f" -> false;
            default -> throw new IllegalArgumentException("a boolean prints as t or f");
        };
    }
}
