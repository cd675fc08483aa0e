package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

import java.sql.ResultSet;
import java.sql.SQLException;

/** A column bound to its type family and Connect schema: built once per table, used for every row. */
public record ColumnReader(PgColumn column, PgType type, Schema schema) {

    public Object read(ResultSet rs, int index) throws SQLException {
        return type.read(rs, index, column);
    }

    /** The Connect value of the column's value in PostgreSQL's text output form; null stays null. */
    public Object readText(String text) {
        if (text == null) {
            return null;
        }
        try {
            return type.readText(text, column);
        } catch (RuntimeException e) {
            // The value itself stays out of the message: error messages end up in logs.
            throw new DataException("Column " + column.name() + " of type " + column.typeName()
                    + ": cannot read the text value PostgreSQL sent (" + e.getMessage() + ")", e);
        }
    }
}
