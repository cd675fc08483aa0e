package io.tablestream.sink;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.sql.Types;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ColumnMappingTest {

    private static final Schema KEY = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA).field("region", Schema.STRING_SCHEMA).build();
    private static final Schema VALUE = SchemaBuilder.struct()
            .field("id", Schema.OPTIONAL_INT64_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA).build();

    private static SinkRecord keyed(Object key) {
        Schema keySchema = key instanceof Struct s ? s.schema() : Schema.STRING_SCHEMA;
        return TestRecords.record("customers", 2, 9, keySchema, key, VALUE,
                new Struct(VALUE).put("id", 999L).put("name", "ada"));
    }

    private static List<String> names(List<SinkColumn> columns) {
        return columns.stream().map(c -> c.name() + (c.primaryKey() ? "*" : "")).toList();
    }

    @Test
    void noKeyWritesTheValueFields() {
        assertEquals(List.of("id", "name"), names(ColumnMapping.columns(PkMode.NONE, List.of(), keyed("x"))));
    }

    @Test
    void structKeyGivesAllKeyFieldsAndWinsOverSameNamedValueFields() {
        SinkRecord record = keyed(new Struct(KEY).put("id", 1L).put("region", "eu"));

        List<SinkColumn> columns = ColumnMapping.columns(PkMode.RECORD_KEY, List.of(), record);

        assertEquals(List.of("id*", "region*", "name"), names(columns));
        assertEquals(1L, columns.get(0).argument(record).value(), "id comes from the key, not the value");
    }

    @Test
    void structKeyWithPkFieldsUsesOnlyThoseFields() {
        SinkRecord record = keyed(new Struct(KEY).put("id", 1L).put("region", "eu"));
        assertEquals(List.of("region*", "id", "name"),
                names(ColumnMapping.columns(PkMode.RECORD_KEY, List.of("region"), record)));
    }

    @Test
    void primitiveKeyNeedsExactlyOneName() {
        assertEquals(List.of("customer_key*", "id", "name"),
                names(ColumnMapping.columns(PkMode.RECORD_KEY, List.of("customer_key"), keyed("k-1"))));

        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_KEY, List.of(), keyed("k-1")));
        assertTrue(e.getMessage().contains("pk.fields must name exactly one column"), e.getMessage());
        assertTrue(e.getMessage().contains("STRING"), e.getMessage());
    }

    @Test
    void recordKeyWithoutKeySchemaSaysWhichRecord() {
        SinkRecord record = TestRecords.record("customers", 2, 9, null, "k", VALUE, new Struct(VALUE));
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_KEY, List.of("id"), record));
        assertTrue(e.getMessage().contains("topic 'customers' partition 2 offset 9"), e.getMessage());
        assertTrue(e.getMessage().contains("key converter with schemas"), e.getMessage());
    }

    @Test
    void nullKeyFailsWhenItsValueIsRead() {
        SinkRecord record = TestRecords.record("customers", 2, 9, KEY, null, VALUE, new Struct(VALUE));
        List<SinkColumn> columns = ColumnMapping.columns(PkMode.RECORD_KEY, List.of(), record);
        ConnectException e = assertThrows(ConnectException.class, () -> columns.get(0).argument(record));
        assertTrue(e.getMessage().contains("null key"), e.getMessage());
    }

    @Test
    void recordValueKeyComesFirstInPkFieldsOrder() {
        List<SinkColumn> columns = ColumnMapping.columns(PkMode.RECORD_VALUE, List.of("name", "id"), keyed("k"));
        assertEquals(List.of("name*", "id*"), names(columns));
    }

    @Test
    void unknownPkFieldIsNamed() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_VALUE, List.of("email"), keyed("k")));
        assertTrue(e.getMessage().contains("pk.fields names 'email'"), e.getMessage());
        assertTrue(e.getMessage().contains("[id, name]"), e.getMessage());
    }

    @Test
    void duplicatePkFieldIsRejected() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_VALUE, List.of("id", "id"), keyed("k")));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void unsupportedFieldTypeIsNamed() {
        Schema value = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("items", SchemaBuilder.array(Schema.STRING_SCHEMA).build()).build();
        SinkRecord record = TestRecords.record("orders", 0, 1, null, null, value, new Struct(value).put("id", 1));
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.NONE, List.of(), record));
        assertTrue(e.getMessage().contains("'items'"), e.getMessage());
        assertTrue(e.getMessage().contains("ARRAY"), e.getMessage());
    }

    @Test
    void tooLongFieldNameIsNamed() {
        String name = "x".repeat(64);
        Schema value = SchemaBuilder.struct().field(name, Schema.INT32_SCHEMA).build();
        SinkRecord record = TestRecords.record("orders", 0, 1, null, null, value, new Struct(value).put(name, 1));
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.NONE, List.of(), record));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void nullsAreBoundWithTheColumnsType() {
        SinkRecord record = TestRecords.record("customers", 0, 1, null, null, VALUE, new Struct(VALUE));
        SinkColumn name = ColumnMapping.columns(PkMode.NONE, List.of(), record).get(1);
        JdbcArgument argument = name.argument(record);
        assertNull(argument.value());
        assertEquals(Types.VARCHAR, argument.sqlType());
        assertEquals("NULL", argument.toString());
    }
}
