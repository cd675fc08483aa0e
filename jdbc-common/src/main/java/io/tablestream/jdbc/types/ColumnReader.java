package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;

import java.sql.ResultSet;
import java.sql.SQLException;

/** A column bound to its type family and Connect schema: built once per table, used for every row. */
public record ColumnReader(PgColumn column, PgType type, Schema schema) {

    public Object read(ResultSet rs, int index) throws SQLException {
        return type.read(rs, index, column);
    }
}
