package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.Set;

/** json and jsonb, as the document's text under {@link SchemaNames#JSON}. */
final class JsonTypes extends FixedSchemaType {

    JsonTypes() {
        super(Set.of("json", "jsonb"), () -> SchemaBuilder.string().name(SchemaNames.JSON));
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // the document as PostgreSQL prints it, as the driver reads it
    }
}
