package io.tablestream.source.cdc;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class UnavailableValuesTest {

    @Test
    void theHeaderIsAJsonArrayOfTheColumnNames() {
        assertEquals("[\"big_text\",\"doc\"]", UnavailableValues.headerValue(List.of("big_text", "doc")));
        List<String> hostile = List.of("say \"hi\"", "back\\slash", "tab\t");
        assertEquals("[\"say \\\"hi\\\"\",\"back\\\\slash\",\"tab\\t\"]", UnavailableValues.headerValue(hostile));
        assertEquals(hostile, UnavailableValues.columnsOf(UnavailableValues.headerValue(hostile)));
    }

    @Test
    void thePlaceholderGoesIntoTextAndPlainBytesFieldsOnly() {
        assertEquals("n/a", UnavailableValues.placeholderFor(Schema.OPTIONAL_STRING_SCHEMA, "n/a"));
        assertArrayEquals("n/a".getBytes(StandardCharsets.UTF_8),
                (byte[]) UnavailableValues.placeholderFor(Schema.OPTIONAL_BYTES_SCHEMA, "n/a"));
        assertNull(UnavailableValues.placeholderFor(Decimal.builder(2).optional().build(), "n/a"));
        assertNull(UnavailableValues.placeholderFor(SchemaBuilder.string().name("io.tablestream.Json").build(), "n/a"));
        assertNull(UnavailableValues.placeholderFor(SchemaBuilder.array(Schema.STRING_SCHEMA).build(), "n/a"));
        assertNull(UnavailableValues.placeholderFor(Schema.OPTIONAL_STRING_SCHEMA, null));
    }
}
