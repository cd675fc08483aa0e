package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** smallint, integer, bigint. */
final class IntegerTypes implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("int2", "int4", "int8");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return switch (column.typeName()) {
            case "int2" -> SchemaBuilder.int16();
            case "int4" -> SchemaBuilder.int32();
            default -> SchemaBuilder.int64();
        };
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        Object value = switch (column.typeName()) {
            case "int2" -> rs.getShort(index);
            case "int4" -> rs.getInt(index);
            default -> rs.getLong(index);
        };
        return rs.wasNull() ? null : value;
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return switch (column.typeName()) {
            case "int2" -> Short.parseShort(text);
            case "int4" -> Integer.parseInt(text);
            default -> Long.parseLong(text);
        };
    }
}
