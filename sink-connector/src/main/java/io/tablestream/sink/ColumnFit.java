package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnTargetTypes;
import io.tablestream.jdbc.types.ConnectType;
import io.tablestream.jdbc.types.DebeziumSchemaNames;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fits a plan's columns to the column types of an existing table. A field whose schema the column reads in another
 * form is written in that form ({@link ColumnTargetTypes}: Debezium's bits into {@code bit(n)}, its hstore JSON or map
 * into {@code hstore}, its geometry Structs into PostGIS columns). A field the column would take without an error
 * but read as something else is refused, naming the field, the column type and the fix: a STRING field for a
 * {@code bytea} column (bytea's input reads text without a backslash as its characters' bytes, so the base64 or hex
 * text Debezium sends under {@code binary.handling.mode=base64|hex} would be stored as that text's bytes), and
 * Debezium's bits for a {@code bit varying} column (the bits' count is not in the record). Other fields the column
 * type refuses are left to the database, which names them.
 */
final class ColumnFit {

    private ColumnFit() {
    }

    /**
     * {@code tableColumns}: name to type as format_type() writes it; {@code dbTimeZone}: db.timezone. The columns, each typed for its table column;
     * throws for the first column that would misread.
     */
    static List<SinkColumn> fit(String topic, TableId table, List<SinkColumn> columns,
                                Map<String, String> tableColumns, ZoneId dbTimeZone) {
        List<SinkColumn> fitted = new ArrayList<>(columns.size());
        for (SinkColumn column : columns) {
            String columnType = tableColumns.get(column.name());
            if (columnType == null || column.schema() == null) {
                fitted.add(column);
                continue;
            }
            refuseMisreading(topic, table, column, columnType);
            Optional<ConnectType> target = ColumnTargetTypes.forColumn(column.schema(), columnType, dbTimeZone);
            fitted.add(target.isPresent() ? column.withType(target.get()) : column);
        }
        return fitted;
    }

    private static void refuseMisreading(String topic, TableId table, SinkColumn column, String columnType) {
        String base = ColumnTargetTypes.baseType(columnType);
        String where = "Field '" + column.name() + "' of topic '" + topic + "' is ";
        String into = " but column '" + column.name() + "' of table " + table + " is " + columnType + ": ";
        if (isText(column.schema()) && base.equals("bytea")) {
            throw new ConnectException(where + "text (a STRING schema)" + into + "PostgreSQL would store the "
                    + "characters of the text as the bytes, not the bytes a base64 or hex text encodes. Send the field"
                    + " as BYTES (Debezium's binary.handling.mode=bytes, its default), or make the column text");
        }
        if (isDocument(column.schema()) && base.equals("bytea")) {
            throw new ConnectException(where + "a " + column.schema().type() + into + "the sink would store the"
                    + " bytes of its JSON text, not bytes the source had. Send the field as BYTES, or make the column"
                    + " jsonb (or json)");
        }
        Schema scalar = innermost(column.schema()); // an array's elements are bits as much as one value is
        if (DebeziumSchemaNames.BITS.equals(scalar.name()) && base.equals("bit")) {
            String length = scalar.parameters() == null ? null
                    : scalar.parameters().get(DebeziumSchemaNames.BITS_LENGTH);
            int columnLength = ColumnTargetTypes.bitLength(columnType);
            if (length != null && !length.equals(String.valueOf(columnLength))) {
                throw new ConnectException(where + "Debezium's bits of a bit(" + length + ") column" + into
                        + "bit(n) takes exactly n bits, so the source's values would be padded or refused. Make the"
                        + " column bit(" + length + "), as the source's");
            }
        }
        if (DebeziumSchemaNames.BITS.equals(scalar.name()) && base.equals("bit varying")) {
            throw new ConnectException(where + "Debezium's bits (" + DebeziumSchemaNames.BITS + ")" + into
                    + "the record carries the bits as a binary number without their count, so a bit varying value "
                    + "with leading zeros cannot be told from a shorter one. Make the column bit(n) where the "
                    + "source's values all have n bits, or bytea to keep Debezium's bytes as they are");
        }
    }

    /** A MAP or STRUCT, written as its JSON text. */
    private static boolean isDocument(Schema schema) {
        return schema.type() == Schema.Type.MAP || schema.type() == Schema.Type.STRUCT;
    }

    /** STRING, or an array (of arrays) of STRING. */
    private static boolean isText(Schema schema) {
        return innermost(schema).type() == Schema.Type.STRING;
    }

    /** The schema, or an array's (of arrays') elements' schema. */
    private static Schema innermost(Schema schema) {
        Schema element = schema;
        while (element.type() == Schema.Type.ARRAY) {
            element = element.valueSchema();
        }
        return element;
    }
}
