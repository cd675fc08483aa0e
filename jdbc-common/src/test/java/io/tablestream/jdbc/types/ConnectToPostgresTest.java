package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PGobject;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConnectToPostgresTest {

    private static final Schema JSON = SchemaBuilder.string().name(SchemaNames.JSON).build();
    private static final Schema UUID_SCHEMA = SchemaBuilder.string().name(SchemaNames.UUID).build();
    private static final Schema NUMERIC = SchemaBuilder.string().name(SchemaNames.NUMERIC).build();

    @Test
    void primitiveColumnTypes() {
        assertEquals("smallint", ConnectToPostgres.columnType(Schema.INT8_SCHEMA));
        assertEquals("smallint", ConnectToPostgres.columnType(Schema.INT16_SCHEMA));
        assertEquals("integer", ConnectToPostgres.columnType(Schema.INT32_SCHEMA));
        assertEquals("bigint", ConnectToPostgres.columnType(Schema.INT64_SCHEMA));
        assertEquals("real", ConnectToPostgres.columnType(Schema.FLOAT32_SCHEMA));
        assertEquals("double precision", ConnectToPostgres.columnType(Schema.FLOAT64_SCHEMA));
        assertEquals("boolean", ConnectToPostgres.columnType(Schema.BOOLEAN_SCHEMA));
        assertEquals("text", ConnectToPostgres.columnType(Schema.STRING_SCHEMA));
        assertEquals("bytea", ConnectToPostgres.columnType(Schema.BYTES_SCHEMA));
        assertEquals("text", ConnectToPostgres.columnType(Schema.OPTIONAL_STRING_SCHEMA));
    }

    @Test
    void logicalAndNamedColumnTypes() {
        assertEquals("numeric", ConnectToPostgres.columnType(Decimal.schema(2)));
        Schema withPrecision = Decimal.builder(2).parameter(ConnectToPostgres.DECIMAL_PRECISION_PARAMETER, "10").build();
        assertEquals("numeric(10,2)", ConnectToPostgres.columnType(withPrecision));
        assertEquals("date", ConnectToPostgres.columnType(Date.SCHEMA));
        assertEquals("time", ConnectToPostgres.columnType(Time.SCHEMA));
        assertEquals("timestamptz", ConnectToPostgres.columnType(Timestamp.SCHEMA));
        assertEquals("jsonb", ConnectToPostgres.columnType(JSON));
        assertEquals("uuid", ConnectToPostgres.columnType(UUID_SCHEMA));
        assertEquals("numeric", ConnectToPostgres.columnType(NUMERIC));
        assertEquals("text", ConnectToPostgres.columnType(SchemaBuilder.string().name("some.other.Name").build()));
    }

    @Test
    void jdbcTypesForNulls() {
        assertEquals(Types.SMALLINT, ConnectToPostgres.jdbcType(Schema.INT8_SCHEMA));
        assertEquals(Types.INTEGER, ConnectToPostgres.jdbcType(Schema.INT32_SCHEMA));
        assertEquals(Types.BIGINT, ConnectToPostgres.jdbcType(Schema.INT64_SCHEMA));
        assertEquals(Types.OTHER, ConnectToPostgres.jdbcType(Schema.STRING_SCHEMA), "untyped: the column's type reads it");
        assertEquals(Types.BINARY, ConnectToPostgres.jdbcType(Schema.BYTES_SCHEMA));
        assertEquals(Types.NUMERIC, ConnectToPostgres.jdbcType(Decimal.schema(2)));
        assertEquals(Types.TIMESTAMP_WITH_TIMEZONE, ConnectToPostgres.jdbcType(Timestamp.SCHEMA));
        assertEquals(Types.OTHER, ConnectToPostgres.jdbcType(JSON));
        assertEquals(Types.OTHER, ConnectToPostgres.jdbcType(UUID_SCHEMA));
    }

    @Test
    void primitiveValuesPassThrough() {
        assertEquals((short) 7, ConnectToPostgres.toJdbc(Schema.INT8_SCHEMA, (byte) 7));
        assertEquals((short) 7, ConnectToPostgres.toJdbc(Schema.INT16_SCHEMA, (short) 7));
        assertEquals(7, ConnectToPostgres.toJdbc(Schema.INT32_SCHEMA, 7));
        assertEquals(7L, ConnectToPostgres.toJdbc(Schema.INT64_SCHEMA, 7L));
        assertEquals(1.5f, ConnectToPostgres.toJdbc(Schema.FLOAT32_SCHEMA, 1.5f));
        assertEquals(1.5d, ConnectToPostgres.toJdbc(Schema.FLOAT64_SCHEMA, 1.5d));
        assertEquals(true, ConnectToPostgres.toJdbc(Schema.BOOLEAN_SCHEMA, true));
        assertEquals("x", ConnectToPostgres.toJdbc(Schema.STRING_SCHEMA, "x"));
        assertNull(ConnectToPostgres.toJdbc(Schema.OPTIONAL_INT32_SCHEMA, null));
        assertNull(ConnectToPostgres.toJdbc(JSON, null));
    }

    @Test
    void bytesFromArrayOrBuffer() {
        byte[] bytes = {1, 2, 3};
        assertArrayEquals(bytes, (byte[]) ConnectToPostgres.toJdbc(Schema.BYTES_SCHEMA, bytes));
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {0, 1, 2, 3}, 1, 3);
        assertArrayEquals(bytes, (byte[]) ConnectToPostgres.toJdbc(Schema.BYTES_SCHEMA, buffer));
        assertEquals(3, buffer.remaining(), "the record's buffer is not consumed");
    }

    @Test
    void temporalValuesAreUtc() {
        long millis = OffsetDateTime.of(2024, 2, 29, 23, 30, 15, 123_000_000, ZoneOffset.UTC).toInstant().toEpochMilli();
        assertEquals(OffsetDateTime.of(2024, 2, 29, 23, 30, 15, 123_000_000, ZoneOffset.UTC),
                ConnectToPostgres.toJdbc(Timestamp.SCHEMA, new java.util.Date(millis)));
        long day = LocalDate.of(2024, 2, 29).toEpochDay() * 86_400_000L;
        assertEquals(LocalDate.of(2024, 2, 29), ConnectToPostgres.toJdbc(Date.SCHEMA, new java.util.Date(day)));
        assertEquals(LocalDate.of(1969, 12, 31), ConnectToPostgres.toJdbc(Date.SCHEMA, new java.util.Date(-86_400_000L)));
        assertEquals(LocalTime.of(13, 5, 7, 250_000_000),
                ConnectToPostgres.toJdbc(Time.SCHEMA, new java.util.Date((13 * 3600 + 5 * 60 + 7) * 1000L + 250)));
    }

    @Test
    void decimalAndNumericBindAsBigDecimal() {
        assertEquals(new BigDecimal("12.34"), ConnectToPostgres.toJdbc(Decimal.schema(2), new BigDecimal("12.34")));
        assertEquals(new BigDecimal("-0.000000000001"), ConnectToPostgres.toJdbc(NUMERIC, "-0.000000000001"));
        assertThrows(DataException.class, () -> ConnectToPostgres.toJdbc(NUMERIC, "NaN?"));
        for (String special : new String[] {"NaN", "Infinity", "-Infinity"}) {
            PGobject bound = assertInstanceOf(PGobject.class, ConnectToPostgres.toJdbc(NUMERIC, special));
            assertEquals("numeric", bound.getType());
            assertEquals(special, bound.getValue());
            assertEquals(special, ConnectToPostgres.toText(NUMERIC, special));
        }
    }

    @Test
    void jsonBindsAsItsTextForTheColumnToRead() {
        assertEquals("{\"b\": 1, \"a\": 2}", ConnectToPostgres.toJdbc(JSON, "{\"b\": 1, \"a\": 2}"));
        assertEquals(java.sql.Types.OTHER, ConnectToPostgres.jdbcType(JSON));
        assertEquals("jsonb", ConnectToPostgres.columnType(JSON));
    }

    @Test
    void uuidBindsAsUuid() {
        UUID id = UUID.randomUUID();
        assertEquals(id, ConnectToPostgres.toJdbc(UUID_SCHEMA, id.toString()));
        assertThrows(DataException.class, () -> ConnectToPostgres.toJdbc(UUID_SCHEMA, "not-a-uuid"));
    }

    @Test
    void textOutputOfAnotherTypeIsBoundAsUntypedTextNamingItsType() {
        Schema inet = pgText("inet");
        assertEquals("text", ConnectToPostgres.columnType(inet), "the sink swaps in the named type when it exists");
        assertEquals(Types.OTHER, ConnectToPostgres.jdbcType(inet), "untyped: the column's type reads the text");
        assertEquals("10.0.0.1", ConnectToPostgres.toJdbc(inet, "10.0.0.1"));
        assertEquals("(1,\"a\\\\b\")", ConnectToPostgres.toText(inet, "(1,\"a\\\\b\")"));
        assertNull(ConnectToPostgres.toJdbc(inet, null));

        for (String named : List.of("inet", "bit(3)", "bit varying", "public.hstore", "inet[]",
                "\"Odd, \"\"Types\"\"\".\"a pair\"[]", "public.geometry(Point,4326)", "\"x); DROP TABLE t; --\"")) {
            assertEquals(named, ConnectToPostgres.pgTypeName(pgText(named)), named);
        }
        for (String refused : List.of("inet -- comment", "inet/* */", "inet); DROP TABLE t", "\"open", "bit(3",
                "int) INHERITS (other", "text DEFAULT 'x'", "", " ")) {
            assertNull(ConnectToPostgres.pgTypeName(pgText(refused)), refused);
        }
        assertNull(ConnectToPostgres.pgTypeName(Schema.STRING_SCHEMA));
        assertNull(ConnectToPostgres.pgTypeName(SchemaBuilder.string().name(SchemaNames.PG_TEXT).build()));
    }

    private static Schema pgText(String type) {
        return SchemaBuilder.string().name(SchemaNames.PG_TEXT).parameter(SchemaNames.PG_TYPE_PARAMETER, type).build();
    }

    @Test
    void sourceNamedSchemasMapBackToTheOriginalTypes() {
        Schema tsMicros = SchemaBuilder.int64().name(SchemaNames.TIMESTAMP_MICROS).build();
        Schema tstzMicros = SchemaBuilder.int64().name(SchemaNames.TIMESTAMPTZ_MICROS).build();
        Schema timeMicros = SchemaBuilder.int64().name(SchemaNames.TIME_MICROS).build();
        Schema timetz = SchemaBuilder.string().name(SchemaNames.TIMETZ).build();
        Schema interval = SchemaBuilder.string().name(SchemaNames.INTERVAL).build();
        Schema mood = SchemaBuilder.string().name(SchemaNames.ENUM).parameter(SchemaNames.ENUM_TYPE_PARAMETER, "mood")
                .build();
        assertEquals("timestamp", ConnectToPostgres.columnType(tsMicros));
        assertEquals("timestamptz", ConnectToPostgres.columnType(tstzMicros));
        assertEquals("time", ConnectToPostgres.columnType(timeMicros));
        assertEquals("timetz", ConnectToPostgres.columnType(timetz));
        assertEquals("interval", ConnectToPostgres.columnType(interval));
        assertEquals("text", ConnectToPostgres.columnType(mood), "the sink swaps in the enum type when it exists");
        assertEquals("mood", ConnectToPostgres.enumTypeName(mood));
        assertNull(ConnectToPostgres.enumTypeName(Schema.STRING_SCHEMA));

        long micros = OffsetDateTime.of(2024, 2, 29, 23, 30, 15, 123_456_000, ZoneOffset.UTC).toInstant()
                .toEpochMilli() * 1000 + 456;
        assertEquals("2024-02-29 23:30:15.123456", ConnectToPostgres.toText(tsMicros, micros));
        assertEquals("2024-02-29 23:30:15.123456+00", ConnectToPostgres.toText(tstzMicros, micros));
        assertEquals("infinity", ConnectToPostgres.toText(tsMicros, Long.MAX_VALUE));
        assertEquals("-infinity", ConnectToPostgres.toText(tstzMicros, Long.MIN_VALUE));
        assertEquals("1969-12-31 23:59:59.999999", ConnectToPostgres.toText(tsMicros, -1L));
        assertEquals("0001-01-01 00:00:00.000000 BC", ConnectToPostgres.toText(tsMicros,
                LocalDate.of(0, 1, 1).toEpochDay() * 86_400_000_000L));
        assertEquals("13:05:07.000250", ConnectToPostgres.toText(timeMicros, (13 * 3600 + 5 * 60 + 7) * 1_000_000L + 250));
        assertEquals("24:00:00", ConnectToPostgres.toText(timeMicros, 86_400_000_000L));
        assertEquals(Types.OTHER, ConnectToPostgres.jdbcType(tsMicros));
        assertEquals("2024-02-29 23:30:15.123456", ConnectToPostgres.toJdbc(tsMicros, micros),
                "bound as untyped text so the column's own type parses it, to the microsecond");
        assertEquals("P1DT2H", ConnectToPostgres.toText(interval, "P1DT2H"));
    }

    @Test
    void arraysBecomePostgresArraysWithQuotedElements() {
        Schema ints = SchemaBuilder.array(Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema texts = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema uuids = SchemaBuilder.array(UUID_SCHEMA).build();
        Schema grid = SchemaBuilder.array(ints).build();
        assertEquals("integer[]", ConnectToPostgres.columnType(ints));
        assertEquals("uuid[]", ConnectToPostgres.columnType(uuids));
        assertEquals("integer[]", ConnectToPostgres.columnType(grid), "PostgreSQL arrays carry no dimension count");
        assertEquals("{\"1\",NULL,\"3\"}", ConnectToPostgres.toText(ints, java.util.Arrays.asList(1, null, 3)));
        assertEquals("{\"a\\\"b\",\"c\\\\d\",\"NULL\"}",
                ConnectToPostgres.toText(texts, java.util.List.of("a\"b", "c\\d", "NULL")));
        assertEquals("{{\"1\"},{\"2\"}}", ConnectToPostgres.toText(grid, java.util.List.of(java.util.List.of(1),
                java.util.List.of(2))));
    }

    @Test
    void mapsAndStructsBecomeJsonb() {
        Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT64_SCHEMA).build();
        Schema struct = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("b", Schema.OPTIONAL_STRING_SCHEMA)
                .field("raw", Schema.OPTIONAL_BYTES_SCHEMA).build();
        assertEquals("jsonb", ConnectToPostgres.columnType(map));
        assertEquals("jsonb", ConnectToPostgres.columnType(struct));
        java.util.Map<String, Long> values = new java.util.LinkedHashMap<>();
        values.put("x", 1L);
        values.put("y\"", null);
        assertEquals("{\"x\":1,\"y\\\"\":null}", ConnectToPostgres.toText(map, values));
        org.apache.kafka.connect.data.Struct value = new org.apache.kafka.connect.data.Struct(struct).put("a", 1)
                .put("b", "line\nbreak").put("raw", new byte[] {1});
        assertEquals("{\"a\":1,\"b\":\"line\\nbreak\",\"raw\":\"AQ==\"}", ConnectToPostgres.toText(struct, value));
        assertEquals(ConnectToPostgres.toText(struct, value), ConnectToPostgres.toJdbc(struct, value));
    }

    @Test
    void debeziumNamedTypes() {
        Schema zoned = SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").build();
        Schema microTs = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").build();
        Schema date = SchemaBuilder.int32().name("io.debezium.time.Date").build();
        Schema json = SchemaBuilder.string().name("io.debezium.data.Json").build();
        Schema uuid = SchemaBuilder.string().name("io.debezium.data.Uuid").build();
        Schema vsd = SchemaBuilder.struct().name("io.debezium.data.VariableScaleDecimal")
                .field("scale", Schema.INT32_SCHEMA).field("value", Schema.BYTES_SCHEMA).build();
        assertEquals("timestamptz", ConnectToPostgres.columnType(zoned));
        assertEquals("timestamp", ConnectToPostgres.columnType(microTs));
        assertEquals("date", ConnectToPostgres.columnType(date));
        assertEquals("jsonb", ConnectToPostgres.columnType(json));
        assertEquals("uuid", ConnectToPostgres.columnType(uuid));
        assertEquals("numeric", ConnectToPostgres.columnType(vsd));
        assertEquals("2024-02-29", ConnectToPostgres.toText(date, (int) LocalDate.of(2024, 2, 29).toEpochDay()));
        assertEquals("1970-01-01 00:00:01.000002", ConnectToPostgres.toText(microTs, 1_000_002L));
        Schema millisTs = SchemaBuilder.int64().name("io.debezium.time.Timestamp").build();
        assertEquals("infinity", ConnectToPostgres.toText(microTs, 9_223_372_036_825_200_000L), "PgJDBC's sentinel");
        assertEquals("-infinity", ConnectToPostgres.toText(microTs, -9_223_372_036_832_400_000L));
        assertEquals("infinity", ConnectToPostgres.toText(millisTs, 9_223_372_036_825_200L));
        assertEquals("-infinity", ConnectToPostgres.toText(millisTs, -9_223_372_036_832_400L));
        assertEquals("1970-01-01 00:00:01.002000", ConnectToPostgres.toText(millisTs, 1_002L));
        assertThrows(DataException.class, () -> ConnectToPostgres.toText(millisTs, Long.MAX_VALUE / 10),
                "too large for microseconds: never a wrapped-around date");
        org.apache.kafka.connect.data.Struct amount = new org.apache.kafka.connect.data.Struct(vsd).put("scale", 3)
                .put("value", java.math.BigInteger.valueOf(-12345).toByteArray());
        assertEquals(new BigDecimal("-12.345"), ConnectToPostgres.toJdbc(vsd, amount));
    }

    @Test
    void textFormsOfPrimitives() {
        assertEquals("\\x00ff10", ConnectToPostgres.toText(Schema.BYTES_SCHEMA, new byte[] {0, (byte) 0xff, 16}));
        assertEquals("t", ConnectToPostgres.toText(Schema.BOOLEAN_SCHEMA, true));
        assertEquals("NaN", ConnectToPostgres.toText(Schema.FLOAT64_SCHEMA, Double.NaN));
        assertEquals("12.30", ConnectToPostgres.toText(Decimal.schema(2), new BigDecimal("12.30")));
        assertNull(ConnectToPostgres.toText(Schema.OPTIONAL_STRING_SCHEMA, null));
    }
}
