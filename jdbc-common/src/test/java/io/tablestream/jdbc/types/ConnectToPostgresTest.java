package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.ConnectException;
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
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(Types.VARCHAR, ConnectToPostgres.jdbcType(Schema.STRING_SCHEMA));
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
    }

    @Test
    void jsonBindsAsJsonbObject() {
        Object bound = ConnectToPostgres.toJdbc(JSON, "{\"a\":1}");
        PGobject object = assertInstanceOf(PGobject.class, bound);
        assertEquals("jsonb", object.getType());
        assertEquals("{\"a\":1}", object.getValue());
    }

    @Test
    void uuidBindsAsUuid() {
        UUID id = UUID.randomUUID();
        assertEquals(id, ConnectToPostgres.toJdbc(UUID_SCHEMA, id.toString()));
        assertThrows(DataException.class, () -> ConnectToPostgres.toJdbc(UUID_SCHEMA, "not-a-uuid"));
    }

    @Test
    void containersAreNotSupportedYet() {
        Schema array = SchemaBuilder.array(Schema.STRING_SCHEMA).build();
        Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build();
        Schema struct = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).build();
        for (Schema schema : new Schema[] {array, map, struct}) {
            assertFalse(ConnectToPostgres.isSupported(schema));
            ConnectException e = assertThrows(ConnectException.class, () -> ConnectToPostgres.columnType(schema));
            assertTrue(e.getMessage().contains(schema.type().toString()), e.getMessage());
        }
        assertTrue(ConnectToPostgres.isSupported(Schema.STRING_SCHEMA));
    }
}
