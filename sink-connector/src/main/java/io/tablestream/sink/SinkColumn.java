package io.tablestream.sink;

import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ConnectToPostgres;
import io.tablestream.jdbc.types.BinaryEncoder;
import io.tablestream.jdbc.types.ConnectType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.function.Function;

/**
 * One column of a target table: its name (and how SQL text writes it), the Connect schema of its values (resolved once to its PostgreSQL
 * {@link ConnectType}), whether it is part of the primary key, and where a record's value for it comes from (a key
 * field, the whole key, a value field or the Kafka coordinates). {@code copyWriter} writes its values as COPY text;
 * {@code binaryEncoder}, set once the table's column type is known to have one, in COPY's binary format.
 */
record SinkColumn(String name, Schema schema, boolean primaryKey, Function<SinkRecord, Object> source,
                  String sqlName, ConnectType type, CopyValueWriter copyWriter, BinaryEncoder binaryEncoder) {

    /** {@code schema} null for a schemaless column, typed from the table. */
    SinkColumn(String name, Schema schema, boolean primaryKey, Function<SinkRecord, Object> source, String sqlName,
               ConnectType type) {
        this(name, schema, primaryKey, source, sqlName, type, CopyValueWriter.of(schema, type), null);
    }

    static SinkColumn of(String name, Schema schema, boolean primaryKey, Function<SinkRecord, Object> source) {
        return new SinkColumn(name, schema, primaryKey, source, Identifiers.quote(name), ConnectToPostgres.of(schema));
    }

    /** This column with its name as {@code quoting} writes it in SQL; {@code table} only names it in errors. */
    SinkColumn writtenWith(QuoteIdentifiers quoting, TableId table) {
        return new SinkColumn(name, schema, primaryKey, source, quoting.column(name, table), type, copyWriter,
                binaryEncoder);
    }

    /** This column with its values written as {@code columnType} says (for a column type of an existing table). */
    SinkColumn withType(ConnectType columnType) {
        return new SinkColumn(name, schema, primaryKey, source, sqlName, columnType,
                CopyValueWriter.textOf(columnType), null);
    }

    /** This column written by {@code encoder} in binary COPY. */
    SinkColumn withBinaryEncoder(BinaryEncoder encoder) {
        return new SinkColumn(name, schema, primaryKey, source, sqlName, type, copyWriter, encoder);
    }

    int jdbcType() {
        return type.jdbcType();
    }

    /**
     * {@code "name" type [DEFAULT value] [NOT NULL]} for CREATE TABLE; {@code columnType} may be an existing enum
     * type's name.
     */
    String definition(String columnType) {
        return sqlName + " " + columnType + defaultClause() + (schema.isOptional() ? "" : " NOT NULL");
    }

    String definition() {
        return definition(type.columnType());
    }

    /**
     * {@code  DEFAULT 'text'} from the field's default value, or empty: a created or added column carries the
     * source column's default (Debezium puts it into the field's schema), so a row that leaves the column out (an
     * upsert of unavailable columns, a row written by hand, the rows already there when auto.evolve adds the column)
     * reads it here as it does at the source.
     */
    String defaultClause() {
        Object value = schema == null ? null : schema.defaultValue();
        String text = value == null ? null : type.toText(value);
        return text == null ? "" : " DEFAULT '" + text.replace("'", "''") + "'";
    }

    /** The record's value for this column, ready to bind. */
    JdbcArgument argument(SinkRecord record) {
        return new JdbcArgument(type.toJdbc(source.apply(record)), type.jdbcType());
    }
}
