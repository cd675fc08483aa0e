package io.tablestream.sink;

import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Binds a value with the driver's own type mapping, a {@code Types.OTHER} value as untyped text the server reads
 * with the column's type, and a null with the column's JDBC type. Its text never shows the value, so row contents
 * stay out of the statement descriptions jdbi puts into exception messages.
 */
record JdbcArgument(Object value, int sqlType) implements Argument {

    @Override
    public void apply(int position, PreparedStatement statement, StatementContext ctx) throws SQLException {
        if (value == null) {
            statement.setNull(position, sqlType);
        } else if (sqlType == Types.OTHER) {
            statement.setObject(position, value, Types.OTHER);
        } else {
            statement.setObject(position, value);
        }
    }

    @Override
    public String toString() {
        return value == null ? "NULL" : "<" + value.getClass().getSimpleName() + ">";
    }
}
