package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.Set;

/** text, varchar, char(n), name, citext and the single-byte "char". */
final class TextTypes extends FixedSchemaType {

    TextTypes() {
        super(Set.of("text", "varchar", "bpchar", "name", "citext", "char"), SchemaBuilder::string);
    }

    /** Plain strings into text, varchar(n) and char(n): PostgreSQL applies the length as it does to text input. */
    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        boolean binaryText = switch (column.typeName()) {
            case "text", "varchar", "bpchar" -> true;
            default -> false;
        };
        return binaryText && schema.name() == null && schema.type() == Schema.Type.STRING
                ? (value, out) -> out.writeUtf8((String) value) : null;
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // the driver reads the same text
    }
}
