package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.Set;

/** uuid, as its canonical text under {@link SchemaNames#UUID}. */
final class UuidType extends FixedSchemaType {

    UuidType() {
        super(Set.of("uuid"), () -> SchemaBuilder.string().name(SchemaNames.UUID));
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // PostgreSQL prints the canonical form
    }
}
