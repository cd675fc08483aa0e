package io.tablestream.sink;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ColumnFitTest {

    private static final TableId TABLE = new TableId("public", "blobs");

    private static SinkColumn column(String name, Schema schema) {
        return SinkColumn.of(name, schema, false, r -> null);
    }

    @Test
    void textForAByteaColumnIsRefusedNamingFieldColumnAndFix() {
        ConnectException e = assertThrows(ConnectException.class, () -> ColumnFit.check("dbz.public.blobs", TABLE,
                List.of(column("payload", Schema.OPTIONAL_STRING_SCHEMA)), Map.of("payload", "bytea")));
        assertTrue(e.getMessage().contains("'payload'") && e.getMessage().contains("binary.handling.mode=bytes")
                && e.getMessage().contains("dbz.public.blobs"), e.getMessage());
        assertThrows(ConnectException.class, () -> ColumnFit.check("t", TABLE,
                List.of(column("parts", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())),
                Map.of("parts", "bytea[]")));
    }

    @Test
    void bytesForByteaAndTextForTextFit() {
        assertDoesNotThrow(() -> ColumnFit.check("t", TABLE, List.of(column("payload", Schema.BYTES_SCHEMA),
                column("note", Schema.STRING_SCHEMA), column("missing", Schema.STRING_SCHEMA)),
                Map.of("payload", "bytea", "note", "text")));
    }
}
