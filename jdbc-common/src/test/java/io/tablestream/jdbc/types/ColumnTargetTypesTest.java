package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.util.List;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ColumnTargetTypesTest {

    private static final ZoneId UTC = ZoneOffset.UTC;

    private static final Schema GEOMETRY = SchemaBuilder.struct().name("io.debezium.data.geometry.Geometry")
            .field("wkb", Schema.BYTES_SCHEMA).field("srid", Schema.OPTIONAL_INT32_SCHEMA).build();
    /** POINT(1 2) as little-endian WKB. */
    private static final String POINT_WKB = "0101000000000000000000f03f0000000000000040";

    @Test
    void debeziumBitsAreTheBitStringOfTheColumnsLength() {
        assertEquals("0000", ColumnTargetTypes.bitString(new byte[0], 4));
        assertEquals("101", ColumnTargetTypes.bitString(new byte[] {5}, 3));
        // B'1000000001': 513 little-endian
        assertEquals("1000000001", ColumnTargetTypes.bitString(new byte[] {1, 2}, 10));
    }

    @Test
    void aGeometryWithAnSridBecomesHexEwkb() {
        byte[] wkb = hexBytes(POINT_WKB);
        assertEquals(POINT_WKB, ColumnTargetTypes.ewkbHex(new Struct(GEOMETRY).put("wkb", wkb)));
        assertEquals("0101000020e6100000000000000000f03f0000000000000040",
                ColumnTargetTypes.ewkbHex(new Struct(GEOMETRY).put("wkb", wkb).put("srid", 4326)));
        byte[] bigEndian = hexBytes("00000000013ff00000000000004000000000000000");
        assertEquals("0020000001000010e63ff00000000000004000000000000000",
                ColumnTargetTypes.ewkbHex(new Struct(GEOMETRY).put("wkb", bigEndian).put("srid", 4326)));
    }

    @Test
    void baseTypesLoseSchemaModifiersAndArrays() {
        assertEquals("geometry", ColumnTargetTypes.baseType("public.geometry(Point,4326)"));
        assertEquals("bit varying", ColumnTargetTypes.baseType("bit varying(8)"));
        assertEquals("hstore", ColumnTargetTypes.baseType("hstore[]"));
        assertEquals("timestamp with time zone", ColumnTargetTypes.baseType("timestamp(3) with time zone"));
    }

    @Test
    void wallClockTimestampsIntoTimestamptzAreUtc() {
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").build();
        ConnectType type = ColumnTargetTypes.forColumn(micro, "timestamp with time zone", UTC).orElseThrow();
        assertEquals("2024-02-29 23:30:15.123456+00", type.toText(1_709_249_415_123_456L));
        assertEquals("infinity", type.toText(9_223_372_036_825_200_000L));
        assertEquals(java.util.Optional.empty(), ColumnTargetTypes.forColumn(micro, "timestamp without time zone", UTC));
    }

    @Test
    void wallClocksAreInDbTimezone() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").build();
        assertEquals("2024-02-29 22:30:15.123456+00", ColumnTargetTypes.forColumn(micro,
                "timestamp with time zone", berlin).orElseThrow().toText(1_709_249_415_123_456L));
        ConnectType instant = ColumnTargetTypes.forColumn(org.apache.kafka.connect.data.Timestamp.SCHEMA,
                "timestamp without time zone", berlin).orElseThrow();
        assertEquals("2024-03-01 00:30:15.123000", instant.toText(new java.util.Date(1_709_249_415_123L)));
        assertEquals("2024-07-01 02:00:00.000000", instant.toText(new java.util.Date(1_719_792_000_000L)));
    }

    @Test
    void aFixedOffsetIsEastOfUtcAsJavaReadsIt() {
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").build();
        for (String zone : List.of("UTC+2", "GMT+02:00", "+02:00", "Etc/GMT-2")) {
            assertEquals("2024-02-29 21:30:15.123456+00", ColumnTargetTypes.forColumn(micro,
                    "timestamp with time zone", ZoneId.of(zone)).orElseThrow().toText(1_709_249_415_123_456L), zone);
        }
    }

    /** PostgreSQL would read these names as a fixed abbreviation (CET: +01 all year) or a POSIX zone. */
    @Test
    void zonesPostgresqlReadsOtherwiseKeepJavasRules() {
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").build();
        long julyNoon = 1_721_044_800_000_000L; // 2024-07-15 12:00 as a wall clock
        assertEquals("2024-07-15 10:00:00.000000+00", ColumnTargetTypes.forColumn(micro,
                "timestamp with time zone", ZoneId.of("CET")).orElseThrow().toText(julyNoon));
        assertEquals("2024-07-15 16:00:00.000000+00", ColumnTargetTypes.forColumn(micro,
                "timestamp with time zone", ZoneId.of("SystemV/EST5EDT")).orElseThrow().toText(julyNoon));
        Schema millis = SchemaBuilder.int64().name("io.debezium.time.Timestamp").build();
        assertEquals("2024-07-15 10:00:00.000000+00", ColumnTargetTypes.forColumn(millis,
                "timestamp with time zone", ZoneId.of("CET")).orElseThrow().toText(julyNoon / 1000));
    }

    /** As PostgreSQL reads a local time: in a gap, the offset before it; in a repeated hour, the offset after it. */
    @Test
    void wallClocksInAGapOrARepeatedHourAreReadAsPostgresqlReadsThem() {
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").build();
        ConnectType berlin = ColumnTargetTypes.forColumn(micro, "timestamp with time zone", ZoneId.of("Europe/Berlin"))
                .orElseThrow();
        assertEquals("2024-03-31 01:30:00.000000+00", berlin.toText(1_711_852_200_000_000L)); // 2024-03-31 02:30
        assertEquals("2024-10-27 01:30:00.000000+00", berlin.toText(1_729_996_200_000_000L)); // 2024-10-27 02:30
    }

    @Test
    void anArrayOfWallClocksIntoTimestamptzArrayIsInDbTimezone() {
        Schema micros = SchemaBuilder.array(SchemaBuilder.int64().name(SchemaNames.TIMESTAMP_MICROS).optional().build())
                .build();
        ConnectType type = ColumnTargetTypes.forColumn(micros, "timestamp with time zone[]", ZoneId.of("Europe/Berlin"))
                .orElseThrow();
        assertEquals("{\"2024-02-29 22:30:15.123456+00\",NULL}",
                type.toText(java.util.Arrays.asList(1_709_249_415_123_456L, null)));
        ConnectType doubles = ColumnTargetTypes.forColumn(SchemaBuilder.array(Schema.FLOAT64_SCHEMA).build(),
                "numeric[]", UTC).orElseThrow();
        assertEquals("{\"0.1\",\"100000000000000000000000\"}", doubles.toText(List.of(0.1, 1.0E23)));
    }

    @Test
    void debeziumPointsArePointTextWithExactCoordinates() {
        Schema point = SchemaBuilder.struct().name("io.debezium.data.geometry.Point")
                .field("x", Schema.FLOAT64_SCHEMA).field("y", Schema.FLOAT64_SCHEMA)
                .field("wkb", Schema.OPTIONAL_BYTES_SCHEMA).field("srid", Schema.OPTIONAL_INT32_SCHEMA).build();
        ConnectType type = ColumnTargetTypes.forColumn(point, "point", UTC).orElseThrow();
        assertEquals("(0.1,100000000000000000000000)", type.toText(new Struct(point).put("x", 0.1).put("y", 1.0E23)));
        assertEquals("(-0,0.30000000000000004)", type.toText(new Struct(point).put("x", -0.0).put("y", 0.1 + 0.2)));
        ConnectType array = ColumnTargetTypes.forColumn(SchemaBuilder.array(point).build(), "point[]", UTC)
                .orElseThrow();
        assertEquals("{\"(1,2)\",NULL}", array.toText(java.util.Arrays.asList(
                new Struct(point).put("x", 1.0).put("y", 2.0), null)));
        Schema optional = SchemaBuilder.struct().name("io.debezium.data.geometry.Point")
                .field("x", Schema.OPTIONAL_FLOAT64_SCHEMA).field("y", Schema.OPTIONAL_FLOAT64_SCHEMA).build();
        DataException noY = assertThrows(DataException.class, () -> ColumnTargetTypes.forColumn(optional, "point", UTC)
                .orElseThrow().toText(new Struct(optional).put("x", 1.0)));
        assertEquals("The point has no y coordinate; a point column takes only points with both", noY.getMessage());
    }

    @Test
    void floatingPointIntoNumericIsTheShortestDecimalThatReadsBackAsTheSameNumber() {
        ConnectType type = ColumnTargetTypes.forColumn(Schema.FLOAT64_SCHEMA, "numeric", UTC).orElseThrow();
        assertEquals("100000000000000000000000", type.toText(1.0E23));
        assertEquals("0.1", type.toText(0.1));
        assertEquals("1", type.toText(1.0));
        assertEquals("1234567.123456789", type.toText(1234567.123456789));
        assertEquals("0.30000000000000004", type.toText(0.1 + 0.2));
        assertEquals("-0.000001", type.toText(-1.0E-6));
        assertEquals("NaN", type.toText(Double.NaN));
        assertEquals("0", type.toText(-0.0));
        ConnectType real = ColumnTargetTypes.forColumn(Schema.FLOAT32_SCHEMA, "numeric(10,3)", UTC).orElseThrow();
        assertEquals("0.1", real.toText(0.1f));
        assertEquals("16777216", real.toText(16777216f));
    }

    private static byte[] hexBytes(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
