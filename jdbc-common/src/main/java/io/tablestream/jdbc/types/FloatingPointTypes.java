package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** real, double precision. */
final class FloatingPointTypes implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("float4", "float8");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return "float4".equals(column.typeName()) ? SchemaBuilder.float32() : SchemaBuilder.float64();
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        Object value = "float4".equals(column.typeName()) ? (Object) rs.getFloat(index) : (Object) rs.getDouble(index);
        return rs.wasNull() ? null : value;
    }

    /** Of the column's own width only: a float widened to double reads differently from its text. */
    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        if (schema.name() != null) {
            return null;
        }
        if ("float4".equals(column.typeName())) {
            return schema.type() == Schema.Type.FLOAT32
                    ? (value, out) -> out.writeInt(Float.floatToIntBits((Float) value)) : null;
        }
        return schema.type() == Schema.Type.FLOAT64
                ? (value, out) -> out.writeLong(Double.doubleToLongBits((Double) value)) : null;
    }

    @Override
    public Object readText(String text, PgColumn column) {
        // PostgreSQL prints NaN, Infinity and -Infinity as Java spells them.
        return "float4".equals(column.typeName()) ? (Object) Float.parseFloat(text) : (Object) Double.parseDouble(text);
    }
}
