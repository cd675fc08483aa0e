package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.Set;

/** text, varchar, char(n), name, citext and the single-byte "char". */
final class TextTypes extends FixedSchemaType {

    TextTypes() {
        super(Set.of("text", "varchar", "bpchar", "name", "citext", "char"), SchemaBuilder::string);
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // the driver reads the same text
    }
}
