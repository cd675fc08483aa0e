package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * Every type no other family reads (inet, money, bit strings, xml, tsvector, ranges, composites, hstore, geometric
 * types, PostGIS..., and arrays of them as one value): PostgreSQL's text output, which the type's input reads back,
 * as a STRING under {@link SchemaNames#PG_TEXT} whose {@link SchemaNames#PG_TYPE_PARAMETER} names the type.
 */
final class TextOutputType implements PgType {

    @Override
    public Set<String> typeNames() {
        return Set.of(); // whatever no other family names
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return SchemaBuilder.string().name(SchemaNames.PG_TEXT)
                .parameter(SchemaNames.PG_TYPE_PARAMETER, column.sqlType());
    }

    /**
     * The driver's text of the value as the server sent it: connections made by {@code ConnectionConfig} have the
     * driver take point, box and oid[] (and timetz and numeric, for their own families) as text, which it would
     * otherwise receive in binary and print its own way.
     */
    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        return rs.getString(index);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text;
    }
}
