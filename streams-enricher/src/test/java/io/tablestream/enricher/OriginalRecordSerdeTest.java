package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Date;
import java.util.Map;

import static io.tablestream.enricher.EnricherFixtures.VALUES;
import static io.tablestream.enricher.EnricherFixtures.idKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The repartition format: compact values (format 3); Connect JSON (format 1) from older releases still read. */
class OriginalRecordSerdeTest {

    private static final String REPARTITION = "app-customers-input-by-join-key-repartition";
    private static final Schema ORDER = SchemaBuilder.struct().name("shop.orders.Value")
            .field("id", Schema.INT64_SCHEMA)
            .field("customer_id", Schema.OPTIONAL_INT64_SCHEMA)
            .field("amount", Decimal.builder(2).optional().build())
            .field("created_at", Timestamp.builder().optional().build())
            .field("status", SchemaBuilder.string().optional().defaultValue("new").build())
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private final Serde<OriginalRecord> serde =
            new OriginalRecordSerde(ConnectJsonSerde.forValues(), new CompactValueSerde());

    /** The join must see exactly what the Connect JSON hop of earlier releases gave it, for any input. */
    @Test
    void theCompactHopGivesWhatTheConnectJsonHopGave() {
        JsonConverter replacingNulls = new JsonConverter();
        replacingNulls.configure(Map.of("schemas.enable", "true", "replace.null.with.default", "true"), false);
        for (JsonConverter converter : new JsonConverter[] {VALUES, replacingNulls}) {
            for (Struct order : new Struct[] {
                    order(1L, 2L, "12.50", new Date(1_700_000_000_123L)),
                    order(2L, null, null, null),
                    order(Long.MAX_VALUE, 4_000_000_000L, "-0.01", new Date(0)).put("status", null)}) {
                byte[] key = idKey("orders", 1);
                SchemaAndValue read = converter.toConnectData("orders", converter.fromConnectData("orders",
                        ORDER, order));

                byte[] hop = serde.serializer().serialize(REPARTITION, new OriginalRecord(key, read));
                OriginalRecord back = serde.deserializer().deserialize(REPARTITION, hop);

                assertEquals(OriginalRecordSerde.FORMAT_COMPACT, hop[0]);
                assertArrayEquals(key, back.key());
                assertEquals(formatOne(key, read).value(), back.value(), order.toString());
                assertEquals(read, back.value(), order.toString());
            }
        }
    }

    /**
     * Records written into one reused buffer keep format 3's layout exactly ({@code [3][key length][key][the value
     * as CompactValueSerde writes it]}), so apps of either build read each other's repartition records; a long
     * record then a short one leave nothing of the first in the second.
     */
    @Test
    void formatThreeLayoutIsTheHeaderThenTheCompactValue() {
        CompactValueSerde compact = new CompactValueSerde();
        byte[] key = idKey("orders", 7);
        SchemaAndValue longValue = new SchemaAndValue(ORDER, order(7L, 8L, "1.00", null).put("note", "x".repeat(5000)));
        SchemaAndValue shortValue = new SchemaAndValue(ORDER, order(8L, 9L, "2.00", null));
        for (SchemaAndValue value : new SchemaAndValue[] {longValue, shortValue}) {
            byte[] compactValue = compact.toBytes(REPARTITION, value);
            byte[] expected = ByteBuffer.allocate(5 + key.length + compactValue.length)
                    .put(OriginalRecordSerde.FORMAT_COMPACT).putInt(key.length).put(key).put(compactValue).array();

            byte[] hop = serde.serializer().serialize(REPARTITION, new OriginalRecord(key, value));

            assertArrayEquals(expected, hop);
            assertEquals(value, serde.deserializer().deserialize(REPARTITION, hop).value());
        }
    }

    @Test
    void tombstonesAndNullKeysCrossTheHop() {
        OriginalRecord tombstone = roundTrip(new OriginalRecord(idKey("orders", 1), null));
        OriginalRecord withoutKey = roundTrip(new OriginalRecord(null,
                new SchemaAndValue(ORDER, order(1L, 2L, "1.00", null))));

        assertArrayEquals(idKey("orders", 1), tombstone.key());
        assertNull(tombstone.value());
        assertNull(withoutKey.key());
        assertEquals(1L, ((Struct) withoutKey.value().value()).get("id"));
        assertTrue(tombstone.isTombstone() && !tombstone.moved());
    }

    @Test
    void theNoticeThatAKeyMovedIsItsKeyUnderFormatFour() {
        byte[] bytes = serde.serializer().serialize("t", OriginalRecord.movedAway(idKey("orders", 1)));
        OriginalRecord moved = serde.deserializer().deserialize("t", bytes);

        assertEquals(OriginalRecordSerde.FORMAT_MOVED, bytes[0]);
        assertEquals(1 + Integer.BYTES + idKey("orders", 1).length, bytes.length);
        assertArrayEquals(idKey("orders", 1), moved.key());
        assertTrue(moved.moved() && !moved.isTombstone());
    }

    /** What a release before format 3 left in the repartition topic is still read after an upgrade. */
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
                () -> serde.deserializer().deserialize(REPARTITION, new byte[] {3, 0, 0, 0, 9, 1}));
        assertThrows(SerializationException.class,
                () -> serde.deserializer().deserialize(REPARTITION, new byte[] {3, 0}));
    }

    private OriginalRecord roundTrip(OriginalRecord record) {
        return serde.deserializer().deserialize(REPARTITION, serde.serializer().serialize(REPARTITION, record));
    }

    /** The hop as releases before format 3 made it. */
    private OriginalRecord formatOne(byte[] key, SchemaAndValue value) {
        byte[] json = ConnectJsonSerde.forValues().toBytes(REPARTITION, value);
        return serde.deserializer().deserialize(REPARTITION, ByteBuffer.allocate(5 + key.length + json.length)
                .put((byte) 1).putInt(key.length).put(key).put(json).array());
    }

    private static Struct order(long id, Long customerId, String amount, Date createdAt) {
        return new Struct(ORDER).put("id", id).put("customer_id", customerId)
                .put("amount", amount == null ? null : new BigDecimal(amount)).put("created_at", createdAt)
                .put("status", "paid").put("note", null);
    }
}
