package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Writes a Connect MAP or STRUCT value as JSON text for a jsonb column (logical values as their text form). */
final class JsonText {

    private JsonText() {
    }

    static String write(Schema schema, Object value) {
        StringBuilder out = new StringBuilder();
        append(out, schema, value);
        return out.toString();
    }

    private static void append(StringBuilder out, Schema schema, Object value) {
        if (value == null) {
            out.append("null");
            return;
        }
        if (schema != null && schema.name() != null && schema.type() != Schema.Type.STRUCT) {
            String text = ConnectToPostgres.toText(schema, value);
            if (SchemaNames.JSON.equals(schema.name()) || DebeziumSchemaNames.JSON.equals(schema.name())) {
                out.append(text); // already JSON
            } else {
                string(out, text);
            }
            return;
        }
        if (value instanceof Struct struct) {
            out.append('{');
            boolean first = true;
            for (Field field : struct.schema().fields()) {
                first = comma(out, first);
                string(out, field.name());
                out.append(':');
                append(out, field.schema(), struct.get(field));
            }
            out.append('}');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                first = comma(out, first);
                string(out, String.valueOf(e.getKey()));
                out.append(':');
                append(out, schema == null ? null : schema.valueSchema(), e.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            boolean first = true;
            for (Object item : list) {
                first = comma(out, first);
                append(out, schema == null ? null : schema.valueSchema(), item);
            }
            out.append(']');
        } else if (value instanceof Number number) {
            double d = number.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                string(out, number.toString()); // JSON has no NaN or Infinity
            } else {
                out.append(number);
            }
        } else if (value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof byte[] || value instanceof java.nio.ByteBuffer) {
            string(out, Base64.getEncoder().encodeToString(ConnectTypes.bytes(value)));
        } else {
            string(out, value.toString());
        }
    }

    private static boolean comma(StringBuilder out, boolean first) {
        if (!first) {
            out.append(',');
        }
        return false;
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
