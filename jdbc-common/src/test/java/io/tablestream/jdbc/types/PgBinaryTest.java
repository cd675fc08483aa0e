package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binary forms against PostgreSQL's send functions' bytes (numeric_send, timestamp_send, ...), and which column
 * and schema pairs have one. The sink's ITs check them through the worker against text COPY and batch.
 */
class PgBinaryTest {

    @Test
    void numericIsBase10000DigitsAlignedAtTheDecimalPoint() {
        // SELECT numeric_send(123.45): ndigits 2, weight 0, sign +, dscale 2, digits 123 4500
        assertArrayEquals(shorts(2, 0, 0, 2, 123, 4500), numeric("123.45"));
        assertArrayEquals(shorts(1, -1, 0x4000, 4, 1), numeric("-0.0001"));
        assertArrayEquals(shorts(1, -2, 0, 5, 1000), numeric("0.00001"));
        assertArrayEquals(shorts(1, 1, 0, 0, 10), numeric("1E+5"));
        assertArrayEquals(shorts(0, 0, 0, 3), numeric("0.000"));
        assertArrayEquals(shorts(3, 2, 0, 0, 1, 0, 1), numeric("100000001"));
    }

    @Test
    void timestampsAndDatesCountFrom2000AndKeepInfinity() {
        BinaryEncoder micros = encoder("timestamp", SchemaBuilder.int64().name(SchemaNames.TIMESTAMP_MICROS).build());
        assertArrayEquals(longBytes(0), write(micros, 946_684_800_000_000L));
        assertArrayEquals(longBytes(-946_684_800_000_000L), write(micros, 0L));
        assertArrayEquals(longBytes(Long.MAX_VALUE), write(micros, Long.MAX_VALUE));
        assertArrayEquals(longBytes(Long.MIN_VALUE), write(micros, Long.MIN_VALUE));
        assertThrows(DataException.class, () -> write(micros, Long.MIN_VALUE + 1));
        BinaryEncoder millis = encoder("timestamptz", Timestamp.SCHEMA);
        assertArrayEquals(longBytes(-1_000L), write(millis, new Date(946_684_799_999L)));
        BinaryEncoder date = encoder("date", org.apache.kafka.connect.data.Date.SCHEMA);
        assertArrayEquals(ByteBuffer.allocate(4).putInt(-1).array(), write(date, new Date(946_598_400_000L)));
    }

    @Test
    void onlySchemasWhoseTextFormReadsTheSameHaveABinaryForm() {
        assertTrue(PgTypeCatalog.binaryEncoder(column("int4"), Schema.INT16_SCHEMA).isPresent());
        assertTrue(PgTypeCatalog.binaryEncoder(column("int4"), Schema.INT64_SCHEMA).isEmpty(), "narrowing");
        assertTrue(PgTypeCatalog.binaryEncoder(column("float8"), Schema.FLOAT32_SCHEMA).isEmpty(), "widened float");
        assertTrue(PgTypeCatalog.binaryEncoder(column("numeric"),
                SchemaBuilder.string().name(SchemaNames.NUMERIC).build()).isEmpty(), "NaN travels as text");
        assertTrue(PgTypeCatalog.binaryEncoder(column("numeric"), Decimal.schema(2)).isPresent());
        assertTrue(PgTypeCatalog.binaryEncoder(column("timestamptz"),
                SchemaBuilder.int64().name(SchemaNames.TIMESTAMP_MICROS).build()).isEmpty(), "session time zone");
        assertTrue(PgTypeCatalog.binaryEncoder(column("jsonb"), Schema.STRING_SCHEMA).isEmpty());
        assertTrue(PgTypeCatalog.binaryEncoder(PgColumn.ofEnum("m", "public", "mood", false), Schema.STRING_SCHEMA)
                .isEmpty());
        assertArrayEquals("ü€".getBytes(StandardCharsets.UTF_8),
                write(encoder("varchar", Schema.STRING_SCHEMA), "ü€"));
    }

    private static PgColumn column(String type) {
        return new PgColumn("c", type, -1, false);
    }

    private static BinaryEncoder encoder(String type, Schema schema) {
        Optional<BinaryEncoder> encoder = PgTypeCatalog.binaryEncoder(column(type), schema);
        assertTrue(encoder.isPresent(), type + " from " + schema);
        return encoder.get();
    }

    private static byte[] numeric(String value) {
        return write(encoder("numeric", Decimal.schema(new BigDecimal(value).scale())), new BigDecimal(value));
    }

    private static byte[] write(BinaryEncoder encoder, Object value) {
        Bytes out = new Bytes();
        encoder.write(value, out);
        return out.toByteArray();
    }

    private static byte[] shorts(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 2);
        for (int v : values) {
            buffer.putShort((short) v);
        }
        return buffer.array();
    }

    private static byte[] longBytes(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    private static final class Bytes extends ByteArrayOutputStream implements BinaryOut {
        @Override
        public void writeByte(int value) {
            write(value);
        }

        @Override
        public void writeShort(int value) {
            write(value >>> 8);
            write(value);
        }

        @Override
        public void writeInt(int value) {
            writeShort(value >>> 16);
            writeShort(value);
        }

        @Override
        public void writeLong(long value) {
            writeInt((int) (value >>> 32));
            writeInt((int) value);
        }

        @Override
        public void writeUtf8(String text) {
            writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
