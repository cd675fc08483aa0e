package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ColumnFitTest {

    private static final TableId TABLE = new TableId("public", "blobs");

    private static SinkColumn column(String name, Schema schema) {
        return SinkColumn.of(name, schema, false, r -> null);
    }

    @Test
    void textForAByteaColumnIsRefusedNamingFieldColumnAndFix() {
        ConnectException e = assertThrows(ConnectException.class, () -> ColumnFit.fit("dbz.public.blobs", TABLE,
                List.of(column("payload", Schema.OPTIONAL_STRING_SCHEMA)), Map.of("payload", "bytea"), java.time.ZoneOffset.UTC));
        assertTrue(e.getMessage().contains("'payload'") && e.getMessage().contains("binary.handling.mode=bytes")
                && e.getMessage().contains("dbz.public.blobs"), e.getMessage());
        assertThrows(ConnectException.class, () -> ColumnFit.fit("t", TABLE,
                List.of(column("parts", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())),
                Map.of("parts", "bytea[]"), java.time.ZoneOffset.UTC));
    }

    @Test
    void bytesForByteaAndTextForTextFit() {
        assertDoesNotThrow(() -> ColumnFit.fit("t", TABLE, List.of(column("payload", Schema.BYTES_SCHEMA),
                column("note", Schema.STRING_SCHEMA), column("missing", Schema.STRING_SCHEMA)),
                Map.of("payload", "bytea", "note", "text"), java.time.ZoneOffset.UTC));
    }

    @Test
    void debeziumBitsForABitVaryingColumnIsRefusedNamingTheFix() {
        Schema bits = SchemaBuilder.bytes().name("io.debezium.data.Bits").parameter("length", "8").optional().build();
        ConnectException e = assertThrows(ConnectException.class, () -> ColumnFit.fit("t", TABLE,
                List.of(column("flags", bits)), Map.of("flags", "bit varying(8)"), java.time.ZoneOffset.UTC));
        assertTrue(e.getMessage().contains("'flags'") && e.getMessage().contains("bit varying(8)")
                && e.getMessage().contains("bit(n)"), e.getMessage());
    }

    @Test
    void debeziumFormsAreWrittenAsTheColumnTypeReadsThem() {
        Schema bits = SchemaBuilder.bytes().name("io.debezium.data.Bits").parameter("length", "6").build();
        Schema json = SchemaBuilder.string().name("io.debezium.data.Json").build();
        Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build();
        List<SinkColumn> fitted = ColumnFit.fit("t", TABLE, List.of(column("b", bits), column("one", Schema.BOOLEAN_SCHEMA),
                column("hj", json), column("hm", map), column("plain", Schema.BOOLEAN_SCHEMA)),
                Map.of("b", "bit(6)", "one", "bit(1)", "hj", "public.hstore", "hm", "hstore", "plain", "boolean"), java.time.ZoneOffset.UTC);
        assertEquals("000101", fitted.get(0).type().toText(new byte[] {5}));
        assertEquals("1", fitted.get(1).type().toText(true));
        assertEquals("\"a\"=>\"x\\\"y\", \"b\"=>NULL", fitted.get(2).type().toText("{\"a\":\"x\\\"y\",\"b\":null}"));
        java.util.Map<String, String> entries = new java.util.LinkedHashMap<>();
        entries.put("k", "v");
        assertEquals("\"k\"=>\"v\"", fitted.get(3).type().toText(entries));
        assertEquals("t", fitted.get(4).type().toText(true));
        assertThrows(org.apache.kafka.connect.errors.DataException.class,
                () -> fitted.get(0).type().toText(new byte[] {(byte) 0x40}));
    }

    @Test
    void debeziumBitsOfAnotherLengthAndDocumentsForBytea() {
        Schema bits = SchemaBuilder.bytes().name("io.debezium.data.Bits").parameter("length", "4").build();
        ConnectException e = assertThrows(ConnectException.class, () -> ColumnFit.fit("t", TABLE,
                List.of(column("flags", bits)), Map.of("flags", "bit(6)"), java.time.ZoneOffset.UTC));
        assertTrue(e.getMessage().contains("'flags'") && e.getMessage().contains("bit(4)"), e.getMessage());
        ConnectException inArray = assertThrows(ConnectException.class, () -> ColumnFit.fit("t", TABLE,
                List.of(column("flags", SchemaBuilder.array(bits).build())), Map.of("flags", "bit(6)[]"),
                java.time.ZoneOffset.UTC));
        assertTrue(inArray.getMessage().contains("bit(4)"), inArray.getMessage());
        Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build();
        Schema struct = SchemaBuilder.struct().field("a", Schema.STRING_SCHEMA).build();
        for (Schema document : List.of(map, struct)) {
            ConnectException refused = assertThrows(ConnectException.class, () -> ColumnFit.fit("t", TABLE,
                    List.of(column("doc", document)), Map.of("doc", "bytea"), java.time.ZoneOffset.UTC));
            assertTrue(refused.getMessage().contains("'doc'") && refused.getMessage().contains("jsonb"),
                    refused.getMessage());
        }
    }
}
