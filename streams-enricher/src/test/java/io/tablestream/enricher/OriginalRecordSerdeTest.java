package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;

import static io.tablestream.enricher.EnricherFixtures.VALUES;
import static io.tablestream.enricher.EnricherFixtures.idKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The repartition format: input bytes forwarded as read (format 2), Connect JSON (format 1) still read. */
class OriginalRecordSerdeTest {

    private static final String REPARTITION = "app-customers-input-by-join-key-repartition";
    private static final Schema ORDER = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("customer_id", Schema.OPTIONAL_INT64_SCHEMA)
            .field("amount", Decimal.builder(2).optional().build())
            .field("created_at", Timestamp.builder().optional().build())
            .field("status", SchemaBuilder.string().optional().defaultValue("new").build())
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private final ConverterSerde inputValues = new ConverterSerde(VALUES);
    private final Serde<OriginalRecord> serde =
            new OriginalRecordSerde(ConnectJsonSerde.forValues(), inputValues, "orders");
    private final InputValueSerde reader = new InputValueSerde(inputValues);

    @Test
    void aRecordAsReadCrossesTheHopAsItsInputBytes() {
        byte[] key = idKey("orders", 7);
        byte[] input = VALUES.fromConnectData("orders", ORDER, order(7L, 3L, "12.50", new Date(1_700_000_000_123L)));
        OriginalRecord read = asRead(key, input);

        byte[] hop = serde.serializer().serialize(REPARTITION, read);

        assertEquals(OriginalRecordSerde.FORMAT_INPUT_BYTES, hop[0]);
        assertArrayEquals(input, java.util.Arrays.copyOfRange(hop, hop.length - input.length, hop.length));
        OriginalRecord back = serde.deserializer().deserialize(REPARTITION, new RecordHeaders(), hop);
        assertArrayEquals(key, back.key());
        assertArrayEquals(input, back.inputValue());
        assertEquals(read.value(), back.value());
    }

    /** Format 2 must give the join exactly what format 1 (re-serialising as Connect JSON) gave it. */
    @Test
    void bothFormatsDecodeToTheSameValue() {
        JsonConverter replacingNulls = new JsonConverter();
        replacingNulls.configure(Map.of("schemas.enable", "true", "replace.null.with.default", "true"), false);
        for (JsonConverter converter : new JsonConverter[] {VALUES, replacingNulls}) {
            ConverterSerde values = new ConverterSerde(converter);
            OriginalRecordSerde formats = new OriginalRecordSerde(ConnectJsonSerde.forValues(), values, "orders");
            for (Struct order : new Struct[] {
                    order(1L, 2L, "12.50", new Date(1_700_000_000_123L)),
                    order(2L, null, null, null),
                    order(Long.MAX_VALUE, 4_000_000_000L, "-0.01", new Date(0)).put("status", null)}) {
                byte[] input = converter.fromConnectData("orders", ORDER, order);
                SchemaAndValue read = values.deserializer().deserialize("orders", input);

                OriginalRecord viaInputBytes = roundTrip(formats, new OriginalRecord(null, read, input));
                OriginalRecord viaConnectJson = roundTrip(formats, new OriginalRecord(null, read));

                assertEquals(viaConnectJson.value(), viaInputBytes.value(), order.toString());
                assertEquals(read, viaInputBytes.value(), order.toString());
            }
        }
    }

    @Test
    void aJoinedValueCrossesTheHopAsConnectJson() {
        Struct joined = order(1L, 2L, "1.00", null);
        OriginalRecord record = new OriginalRecord(idKey("orders", 1), new SchemaAndValue(ORDER, joined));

        byte[] hop = serde.serializer().serialize(REPARTITION, record);

        assertEquals(OriginalRecordSerde.FORMAT_CONNECT_JSON, hop[0]);
        OriginalRecord back = serde.deserializer().deserialize(REPARTITION, hop);
        assertEquals(joined, back.value().value());
        assertNull(back.inputValue());
    }

    @Test
    void tombstonesAndNullKeysCrossTheHop() {
        OriginalRecord tombstone = serde.deserializer().deserialize(REPARTITION,
                serde.serializer().serialize(REPARTITION, new OriginalRecord(idKey("orders", 1), null)));
        byte[] input = VALUES.fromConnectData("orders", ORDER, order(1L, 2L, "1.00", null));
        OriginalRecord withoutKey = serde.deserializer().deserialize(REPARTITION,
                serde.serializer().serialize(REPARTITION, asRead(null, input)));

        assertArrayEquals(idKey("orders", 1), tombstone.key());
        assertNull(tombstone.value());
        assertNull(withoutKey.key());
        assertEquals(1L, ((Struct) withoutKey.value().value()).get("id"));
    }

    /** What a release before format 2 left in the repartition topic is still read after an upgrade. */
    @Test
    void readsFormatOneWrittenByEarlierReleases() {
        byte[] key = idKey("orders", 5);
        Struct order = order(5L, 6L, "3.30", new Date(86_400_000L));
        byte[] json = ConnectJsonSerde.forValues().toBytes(REPARTITION, new SchemaAndValue(ORDER, order));
        byte[] formatOne = ByteBuffer.allocate(5 + key.length + json.length)
                .put((byte) 1).putInt(key.length).put(key).put(json).array();

        OriginalRecord back = serde.deserializer().deserialize(REPARTITION, formatOne);

        assertArrayEquals(key, back.key());
        assertEquals(order, back.value().value());
    }

    @Test
    void rejectsUnknownFormatsAndTruncatedRecords() {
        assertThrows(SerializationException.class,
                () -> serde.deserializer().deserialize(REPARTITION, new byte[] {9, 0, 0, 0, 0}));
        assertThrows(SerializationException.class,
                () -> serde.deserializer().deserialize(REPARTITION, new byte[] {2, 0, 0, 0, 9, 1}));
        assertThrows(SerializationException.class,
                () -> serde.deserializer().deserialize(REPARTITION, new byte[] {2, 0}));
    }

    /** Decoding stays in the input's deserializer, so a malformed value is a deserialization error there. */
    @Test
    void malformedInputFailsWhenRead() {
        byte[] notJson = "not json".getBytes(StandardCharsets.UTF_8);

        assertThrows(DataException.class, () -> reader.deserializer().deserialize("orders", notJson));
    }

    private OriginalRecord asRead(byte[] key, byte[] input) {
        InputValueSerde.InputValue read = reader.deserializer().deserialize("orders", input);
        return new OriginalRecord(key, read.value(), read.bytes());
    }

    private static OriginalRecord roundTrip(OriginalRecordSerde serde, OriginalRecord record) {
        return serde.deserializer().deserialize(REPARTITION, serde.serializer().serialize(REPARTITION, record));
    }

    private static Struct order(long id, Long customerId, String amount, Date createdAt) {
        return new Struct(ORDER).put("id", id).put("customer_id", customerId)
                .put("amount", amount == null ? null : new BigDecimal(amount)).put("created_at", createdAt)
                .put("status", "paid").put("note", null);
    }
}
