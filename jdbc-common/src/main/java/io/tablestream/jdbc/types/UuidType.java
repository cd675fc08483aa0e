package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.Set;

/** uuid, as its canonical text under {@link SchemaNames#UUID}. */
final class UuidType extends FixedSchemaType {

    UuidType() {
        super(Set.of("uuid"), () -> SchemaBuilder.string().name(SchemaNames.UUID));
    }

    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        boolean uuid = SchemaNames.UUID.equals(schema.name()) || DebeziumSchemaNames.UUID.equals(schema.name());
        return uuid ? (value, out) -> {
            java.util.UUID parsed = ConnectToPostgres.uuid((String) value);
            out.writeLong(parsed.getMostSignificantBits());
            out.writeLong(parsed.getLeastSignificantBits());
        } : null;
    }

    @Override
    public Object readText(String text, PgColumn column) {
        return text; // PostgreSQL prints the canonical form
    }
}
