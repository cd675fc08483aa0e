package io.tablestream.jdbc.types;

import java.util.List;
import java.util.Map;

/**
 * Values without a Connect schema (JsonConverter with schemas.enable=false gives maps, lists, strings, numbers and
 * booleans) written to a column whose PostgreSQL type is known from the catalog: each value goes as its text form,
 * which the server reads with the column's type. Maps and lists become JSON, except a list for an array column,
 * which becomes an array literal.
 */
public final class SchemalessTypes {

    private SchemalessTypes() {
    }

    /** The mapping for a column of {@code columnType} as format_type() writes it, e.g. {@code jsonb} or {@code text[]}. */
    public static ConnectType forColumn(String columnType) {
        return ConnectType.textual(columnType, columnType.endsWith("[]")
                ? v -> v instanceof List<?> list ? arrayLiteral(list) : scalar(v)
                : SchemalessTypes::scalar);
    }

    private static String scalar(Object value) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            return JsonText.write(null, value);
        }
        return value.toString();
    }

    private static String arrayLiteral(List<?> values) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            Object value = values.get(i);
            if (value == null) {
                out.append("NULL");
            } else if (value instanceof List<?> nested) {
                out.append(arrayLiteral(nested));
            } else {
                ArrayLiteral.appendQuoted(out, scalar(value));
            }
        }
        return out.append('}').toString();
    }
}
