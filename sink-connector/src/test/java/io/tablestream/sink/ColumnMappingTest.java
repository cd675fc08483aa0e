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
    void kafkaKeyColumnsTakeThreePkFieldsAsTheirNames() {
        assertEquals(List.of("__connect_topic*", "__connect_partition*", "__connect_offset*", "id", "name"),
                names(ColumnMapping.columns(PkMode.KAFKA, List.of(), List.of(), keyed("k"), false)));
        List<SinkColumn> renamed = ColumnMapping.columns(PkMode.KAFKA, List.of("t", "p", "o"), List.of(),
                keyed("k"), false);
        assertEquals(List.of("t*", "p*", "o*", "id", "name"), names(renamed));
        assertEquals(List.of("customers", 2, 9L), renamed.subList(0, 3).stream()
                .map(c -> c.source().apply(keyed("k"))).toList());
    }

    @Test
    void noKeyWritesTheValueFields() {
        assertEquals(List.of("id", "name"), names(ColumnMapping.columns(PkMode.NONE, List.of(), List.of(), keyed("x"), false)));
    }

    @Test
    void structKeyGivesAllKeyFieldsAndWinsOverSameNamedValueFields() {
        SinkRecord record = keyed(new Struct(KEY).put("id", 1L).put("region", "eu"));

        List<SinkColumn> columns = ColumnMapping.columns(PkMode.RECORD_KEY, List.of(), List.of(), record, false);

        assertEquals(List.of("id*", "region*", "name"), names(columns));
        assertEquals(1L, columns.get(0).argument(record).value(), "id comes from the key, not the value");
    }

    @Test
    void structKeyWithPkFieldsUsesOnlyThoseFields() {
        SinkRecord record = keyed(new Struct(KEY).put("id", 1L).put("region", "eu"));
        assertEquals(List.of("region*", "id", "name"),
                names(ColumnMapping.columns(PkMode.RECORD_KEY, List.of("region"), List.of(), record, false)));
    }

    @Test
    void primitiveKeyNeedsExactlyOneName() {
        assertEquals(List.of("customer_key*", "id", "name"),
                names(ColumnMapping.columns(PkMode.RECORD_KEY, List.of("customer_key"), List.of(), keyed("k-1"), false)));

        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_KEY, List.of(), List.of(), keyed("k-1"), false));
        assertTrue(e.getMessage().contains("pk.fields must name exactly one column"), e.getMessage());
        assertTrue(e.getMessage().contains("STRING"), e.getMessage());
    }

    @Test
    void recordKeyWithoutKeySchemaSaysWhichRecord() {
        SinkRecord record = TestRecords.record("customers", 2, 9, null, "k", VALUE, new Struct(VALUE));
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_KEY, List.of("id"), List.of(), record, false));
        assertTrue(e.getMessage().contains("topic 'customers' partition 2 offset 9"), e.getMessage());
        assertTrue(e.getMessage().contains("key converter with schemas"), e.getMessage());
    }

    @Test
    void nullKeyFailsWhenItsValueIsRead() {
        SinkRecord record = TestRecords.record("customers", 2, 9, KEY, null, VALUE, new Struct(VALUE));
        List<SinkColumn> columns = ColumnMapping.columns(PkMode.RECORD_KEY, List.of(), List.of(), record, false);
        ConnectException e = assertThrows(ConnectException.class, () -> columns.get(0).argument(record));
        assertTrue(e.getMessage().contains("null key"), e.getMessage());
    }

    @Test
    void recordValueKeyComesFirstInPkFieldsOrder() {
        List<SinkColumn> columns = ColumnMapping.columns(PkMode.RECORD_VALUE, List.of("name", "id"), List.of(), keyed("k"), false);
        assertEquals(List.of("name*", "id*"), names(columns));
    }

    @Test
    void unknownPkFieldIsNamed() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_VALUE, List.of("email"), List.of(), keyed("k"), false));
        assertTrue(e.getMessage().contains("pk.fields names 'email'"), e.getMessage());
        assertTrue(e.getMessage().contains("[id, name]"), e.getMessage());
    }

    @Test
    void duplicatePkFieldIsRejected() {
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.RECORD_VALUE, List.of("id", "id"), List.of(), keyed("k"), false));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void kafkaCoordinatesAndIncludedFields() {
        Schema value = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("items", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        SinkRecord record = TestRecords.record("orders", 2, 9, null, null, value, new Struct(value).put("id", 1)
                .put("items", List.of("a")));
        List<SinkColumn> columns = ColumnMapping.columns(PkMode.KAFKA, List.of(), List.of("items", "id"), record,
                false);
        assertEquals(List.of("__connect_topic*", "__connect_partition*", "__connect_offset*", "id", "items"),
                names(columns));
        assertEquals(List.of("orders", 2, 9L), columns.subList(0, 3).stream().map(c -> c.source().apply(record))
                .toList());
        assertEquals("\"items\" text[] NOT NULL", columns.get(4).definition());
        assertEquals(List.of("__connect_topic*", "__connect_partition*", "__connect_offset*"),
                names(ColumnMapping.columns(PkMode.KAFKA, List.of(), List.of(), record, true)));
    }

    @Test
    void tooLongFieldNameIsNamed() {
        String name = "x".repeat(64);
        Schema value = SchemaBuilder.struct().field(name, Schema.INT32_SCHEMA).build();
        SinkRecord record = TestRecords.record("orders", 0, 1, null, null, value, new Struct(value).put(name, 1));
        ConnectException e = assertThrows(ConnectException.class,
                () -> ColumnMapping.columns(PkMode.NONE, List.of(), List.of(), record, false));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void nullsAreBoundWithTheColumnsType() {
        SinkRecord record = TestRecords.record("customers", 0, 1, null, null, VALUE, new Struct(VALUE));
        SinkColumn name = ColumnMapping.columns(PkMode.NONE, List.of(), List.of(), record, false).get(1);
        JdbcArgument argument = name.argument(record);
        assertNull(argument.value());
        assertEquals(Types.OTHER, argument.sqlType(), "a STRING null is untyped, as its values are");
        assertEquals("NULL", argument.toString());
    }
}
