package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** bytea. */
final class ByteaType implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of("bytea");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.bytes();
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        return rs.getBytes(index);
    }
}
