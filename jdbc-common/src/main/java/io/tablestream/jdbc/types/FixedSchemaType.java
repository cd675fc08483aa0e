package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A family whose Connect schema is the same for every column of it. By default a value is read as the driver's
 * text and converted by {@link #readText}, so a row read over JDBC and a value logical replication sends go through
 * one conversion; a family the driver reads better another way overrides {@link #read}.
 */
abstract class FixedSchemaType implements PgType {

    private final Set<String> typeNames;
    /** A supplier, not a builder: each column gets its own, as the catalog marks it optional. */
    private final Supplier<SchemaBuilder> schema;

    FixedSchemaType(Set<String> typeNames, Supplier<SchemaBuilder> schema) {
        this.typeNames = typeNames;
        this.schema = schema;
    }

    @Override
    public final Set<String> typeNames() {
        return typeNames;
    }

    @Override
    public final SchemaBuilder schema(PgColumn column) {
        return schema.get();
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        String text = rs.getString(index);
        return text == null ? null : readText(text, column);
    }
}
