package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
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

    /** A whole number of a Connect type no wider than the column; a wider one goes as text (PostgreSQL checks it). */
    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        int columnBytes = switch (column.typeName()) {
            case "int2" -> 2;
            case "int4" -> 4;
            default -> 8;
        };
        int valueBytes = switch (schema.type()) {
            case INT8 -> 1;
            case INT16 -> 2;
            case INT32 -> 4;
            case INT64 -> 8;
            default -> Integer.MAX_VALUE;
        };
        if (schema.name() != null || valueBytes > columnBytes) {
            return null;
        }
        return switch (columnBytes) {
            case 2 -> (value, out) -> out.writeShort(((Number) value).shortValue());
            case 4 -> (value, out) -> out.writeInt(((Number) value).intValue());
            default -> (value, out) -> out.writeLong(((Number) value).longValue());
        };
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
