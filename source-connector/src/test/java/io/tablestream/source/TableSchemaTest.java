package io.tablestream.source;

import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.PgColumn;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.jdbc.types.PgTypeOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class TableSchemaTest {

    private static final PgTypeCatalog TYPES = PgTypeCatalog.of(PgTypeOptions.DEFAULTS);
    private static final TableId ORDERS = new TableId("public", "orders");

    private static TableSchema orders(String noteType) {
        List<ColumnReader> readers = List.of(
                TYPES.readerFor(new PgColumn("id", "int4", -1, true)),
                TYPES.readerFor(new PgColumn("note", noteType, -1, false)));
        return TableSchema.of(ORDERS, readers, List.of("id"));
    }

    /** The snapshot and the stream read a table's schema each on their own: their records share the objects. */
    @Test
    void tableSchemasReadApartShareTheirConnectSchemas() {
        TableSchema snapshot = orders("text");
        TableSchema stream = orders("text");

        assertSame(snapshot.valueSchema(), stream.valueSchema());
        assertSame(snapshot.keySchema(), stream.keySchema());
    }

    @Test
    void aChangedTableGetsItsOwnSchema() {
        TableSchema before = orders("text");
        TableSchema after = orders("int8");

        assertNotEquals(before.valueSchema(), after.valueSchema());
        assertSame(before.keySchema(), after.keySchema());
        assertEquals("public.orders.Value", after.valueSchema().name());
    }
}
