package io.tablestream.sink;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.types.ConnectToPostgres;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.function.Function;

/**
 * One column of a target table: its name, the Connect schema of its values, whether it is part of the primary key,
 * and where a record's value for it comes from (a key field, the whole key, or a value field).
 */
record SinkColumn(String name, Schema schema, boolean primaryKey, Function<SinkRecord, Object> source,
                  String quotedName, int jdbcType) {

    static SinkColumn of(String name, Schema schema, boolean primaryKey, Function<SinkRecord, Object> source) {
        return new SinkColumn(name, schema, primaryKey, source, Identifiers.quote(name),
                ConnectToPostgres.jdbcType(schema));
    }

    /** {@code "name" type [NOT NULL]} for CREATE TABLE. */
    String definition() {
        return quotedName + " " + ConnectToPostgres.columnType(schema) + (schema.isOptional() ? "" : " NOT NULL");
    }

    /** The record's value for this column, ready to bind. */
    JdbcArgument argument(SinkRecord record) {
        return new JdbcArgument(ConnectToPostgres.toJdbc(schema, source.apply(record)), jdbcType);
    }
}
