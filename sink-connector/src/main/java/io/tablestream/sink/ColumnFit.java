package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.List;
import java.util.Map;

/**
 * Refuses a field whose values an existing column would take without an error but read as something else. A STRING
 * field for a {@code bytea} column is one: bytea's input reads text without a backslash as its characters' bytes, so
 * the base64 or hex text Debezium sends under {@code binary.handling.mode=base64|hex} would be stored as that text's
 * bytes, never as the bytes it encodes. Fields the column type refuses outright are left to the database, which
 * names them.
 */
final class ColumnFit {

    private ColumnFit() {
    }

    /** {@code tableColumns}: name to type as format_type() writes it. Throws for the first column that misreads. */
    static void check(String topic, TableId table, List<SinkColumn> columns, Map<String, String> tableColumns) {
        for (SinkColumn column : columns) {
            String columnType = tableColumns.get(column.name());
            if (columnType != null && column.schema() != null && isText(column.schema())
                    && baseType(columnType).equals("bytea")) {
                throw new ConnectException("Field '" + column.name() + "' of topic '" + topic + "' is text (a "
                        + "STRING schema) but column '" + column.name() + "' of table " + table + " is "
                        + columnType + ": PostgreSQL would store the characters of the text as the bytes, not the "
                        + "bytes a base64 or hex text encodes. Send the field as BYTES (Debezium's "
                        + "binary.handling.mode=bytes, its default), or make the column text");
            }
        }
    }

    /** STRING, or an array (of arrays) of STRING. */
    private static boolean isText(Schema schema) {
        Schema element = schema;
        while (element.type() == Schema.Type.ARRAY) {
            element = element.valueSchema();
        }
        return element.type() == Schema.Type.STRING;
    }

    /** {@code bytea[]} -> {@code bytea}. */
    private static String baseType(String columnType) {
        return columnType.endsWith("[]") ? baseType(columnType.substring(0, columnType.length() - 2)) : columnType;
    }
}
