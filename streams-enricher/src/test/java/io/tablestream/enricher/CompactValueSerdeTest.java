package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lookup table's compact format must give the join what a Connect JSON round trip gave it. */
class CompactValueSerdeTest {

    private static final String TOPIC = "app-customers-lookup-by-join-key-repartition";
    private static final Schema ADDRESS = SchemaBuilder.struct().optional()
            .field("street", Schema.STRING_SCHEMA)
            .field("zip", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
    private static final Schema ROW = SchemaBuilder.struct().name("db.public.customers.Value").version(3)
            .field("id", Schema.INT64_SCHEMA)
            .field("tiny", Schema.OPTIONAL_INT8_SCHEMA)
            .field("small", Schema.OPTIONAL_INT16_SCHEMA)
            .field("count", Schema.OPTIONAL_INT32_SCHEMA)
            .field("ratio", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("score", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("active", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("status", SchemaBuilder.string().optional().defaultValue("new").doc("state").build())
            .field("photo", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("balance", Decimal.builder(2).optional().build())
            .field("born", Date.builder().optional().build())
            .field("opens", Time.builder().optional().build())
            .field("created_at", Timestamp.SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
            .field("limits", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).optional().build())
            .field("by_id", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).optional().build())
            .field("address", ADDRESS)
            .build();

    private final CompactValueSerde serde = new CompactValueSerde();
    private final ConnectJsonSerde connectJson = ConnectJsonSerde.forValues();

    @Test
    void compactRoundTripEqualsTheConnectJsonRoundTrip() {
        Struct full = new Struct(ROW).put("id", 1L).put("tiny", (byte) -3).put("small", (short) 300)
                .put("count", 7).put("ratio", 0.5f).put("score", -1.25e10).put("active", true)
                .put("name", "Zoë \u00e9\u4e2d").put("status", "vip").put("photo", new byte[] {0, 1, (byte) 255})
                .put("balance", new BigDecimal("-12345.67")).put("born", new java.util.Date(86_400_000L * 7))
                .put("opens", new java.util.Date(3_600_000L)).put("created_at", new java.util.Date(1_700_000_000_123L))
                .put("tags", java.util.Arrays.asList("a", null, "c")).put("limits", Map.of("day", 10L))
                .put("by_id", Map.of(1, "one", 2, "two"))
                .put("address", new Struct(ADDRESS).put("street", "Rue 1").put("zip", null));
        Struct sparse = new Struct(ROW).put("id", Long.MIN_VALUE).put("name", "")
                .put("created_at", new java.util.Date(0)).put("tags", List.of()).put("photo", ByteBuffer.wrap(
                        new byte[] {9}));

        for (Struct row : List.of(full, sparse)) {
            SchemaAndValue viaJson = connectJson.fromBytes(TOPIC, connectJson.toBytes(TOPIC,
                    new SchemaAndValue(ROW, row)));
            SchemaAndValue viaCompact = serde.fromBytes(TOPIC, serde.toBytes(TOPIC, new SchemaAndValue(ROW, row)));

            assertEquals(viaJson.schema(), viaCompact.schema());
            assertEquals(viaJson.value(), viaCompact.value());
        }
        // Nulls stay null, even where the column has a default.
        assertNull(((Struct) serde.fromBytes(TOPIC, serde.toBytes(TOPIC, new SchemaAndValue(ROW, sparse))).value())
                .getWithoutDefault("status"));
    }

    @Test
    void writesTheCompactFormatAndReusesTheDecodedSchema() {
        Struct row = new Struct(ROW).put("id", 1L).put("name", "a").put("created_at", new java.util.Date(5));
        byte[] bytes = serde.toBytes(TOPIC, new SchemaAndValue(ROW, row));

        assertEquals(CompactValueSerde.FORMAT_COMPACT, bytes[0]);
        assertEquals(serde.fromBytes(TOPIC, bytes).schema(), serde.fromBytes(TOPIC, bytes.clone()).schema());
        assertTrue(serde.fromBytes(TOPIC, bytes).schema() == serde.fromBytes(TOPIC, bytes.clone()).schema());
    }

    @Test
    void namesTheSchemaByIdAndStillReadsValuesThatCarryTheirSchema() {
        InMemorySchemas schemas = new InMemorySchemas();
        CompactValueSerde byId = new CompactValueSerde(schemas);
        Struct row = new Struct(ROW).put("id", 1L).put("name", "a").put("created_at", new java.util.Date(5));
        byte[] withSchema = serde.toBytes(TOPIC, new SchemaAndValue(ROW, row));
        byte[] withId = byId.toBytes(TOPIC, new SchemaAndValue(ROW, row));

        assertEquals(CompactValueSerde.FORMAT_SCHEMA_ID, withId[0]);
        // The id (8 bytes) replaces the schema and its length.
        assertEquals(withSchema.length - withId.length, Integer.BYTES
                + ByteBuffer.wrap(withSchema, 1, Integer.BYTES).getInt() - Long.BYTES);
        // Another instance of the serde (another thread, instance or restart) finds the schema by its id.
        CompactValueSerde reader = new CompactValueSerde(schemas);
        assertEquals(row, reader.fromBytes(TOPIC, withId).value());
        assertEquals(ROW, reader.fromBytes(TOPIC, withId).schema());
        // Values written with their schema, e.g. by an earlier build, stay readable.
        assertEquals(row, reader.fromBytes(TOPIC, withSchema).value());
        assertThrows(SerializationException.class, () -> new CompactValueSerde(new InMemorySchemas())
                .fromBytes(TOPIC, withId));
    }

    /** State written by earlier releases (and the changelog restored from it) is Connect JSON. */
    @Test
    void readsConnectJsonAndWritesSchemalessValuesAsConnectJson() {
        Struct row = new Struct(ROW).put("id", 2L).put("name", "b").put("created_at", new java.util.Date(9));
        byte[] old = connectJson.toBytes(TOPIC, new SchemaAndValue(ROW, row));
        SchemaAndValue schemaless = new SchemaAndValue(null, Map.of("id", 3L));

        assertEquals(row, serde.fromBytes(TOPIC, old).value());
        assertArrayEquals(connectJson.toBytes(TOPIC, schemaless), serde.toBytes(TOPIC, schemaless));
        assertNull(serde.toBytes(TOPIC, null));
        assertNull(serde.fromBytes(TOPIC, null));
    }

    @Test
    void rejectsTruncatedRecords() {
        Struct row = new Struct(ROW).put("id", 1L).put("name", "abc").put("created_at", new java.util.Date(5));
        byte[] bytes = serde.toBytes(TOPIC, new SchemaAndValue(ROW, row));

        assertThrows(SerializationException.class,
                () -> serde.fromBytes(TOPIC, java.util.Arrays.copyOf(bytes, bytes.length - 3)));
        assertThrows(SerializationException.class, () -> serde.fromBytes(TOPIC, "\0garbage".getBytes(
                StandardCharsets.UTF_8)));
    }
}
