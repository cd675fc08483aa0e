package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/** One family of PostgreSQL types and how its values become Connect values. */
public interface PgType {

    /** The {@code pg_type.typname}s this family reads. */
    Set<String> typeNames();

    /** The Connect schema for a column of this family (the caller sets optionality). */
    SchemaBuilder schema(PgColumn column);

    /** Reads the column at {@code index} as a Connect value, or null for SQL NULL. */
    Object read(ResultSet rs, int index, PgColumn column) throws SQLException;

    /**
     * The Connect value of PostgreSQL's text output of this type (as logical replication sends it); null stays null.
     * Equal to what {@link #read} returns for the same value under the same options.
     */
    Object readText(String text, PgColumn column);

    /**
     * How a Connect value of {@code schema} goes into a column of this family in COPY's binary format, giving the
     * value {@link ConnectType#toText}'s text would; null where this family has no binary form for that schema (a
     * sink then writes the table as text).
     */
    default BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        return null;
    }
}
