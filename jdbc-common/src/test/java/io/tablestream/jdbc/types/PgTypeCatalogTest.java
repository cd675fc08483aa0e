package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PGInterval;

import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgTypeCatalogTest {

    private static final PgTypeCatalog CONNECT_BEST_FIT = PgTypeCatalog.of(
            new PgTypeOptions(TimePrecisionMode.CONNECT, NumericMapping.BEST_FIT, ZoneOffset.UTC));

    private static Schema schema(PgTypeCatalog catalog, PgColumn column) {
        return catalog.readerFor(column).schema();
    }

    /** numeric(p,s) as PostgreSQL stores it in atttypmod. */
    private static PgColumn numeric(int precision, int scale) {
        return new PgColumn("n", "numeric", ((precision << 16) | scale) + 4, true);
    }

    @Test
    void timesKeepMicrosecondsByDefaultAndUseConnectTypesOnRequest() {
        PgColumn tstz = new PgColumn("t", "timestamptz", -1, false);
        Schema micros = PgTypeCatalog.reader(tstz).schema();
        assertEquals(Schema.Type.INT64, micros.type());
        assertEquals(SchemaNames.TIMESTAMPTZ_MICROS, micros.name());
        assertTrue(micros.isOptional());
        assertEquals(Timestamp.LOGICAL_NAME, schema(CONNECT_BEST_FIT, tstz).name());
        assertEquals(SchemaNames.TIME_MICROS, PgTypeCatalog.reader(new PgColumn("t", "time", -1, true)).schema().name());
    }

    @Test
    void numericMappings() {
        Schema none = PgTypeCatalog.reader(numeric(9, 0)).schema();
        assertEquals(Decimal.LOGICAL_NAME, none.name());
        assertEquals("0", none.parameters().get(Decimal.SCALE_FIELD));
        PgTypeCatalog precisionOnly = PgTypeCatalog.of(
                new PgTypeOptions(TimePrecisionMode.MICROSECONDS, NumericMapping.PRECISION_ONLY, ZoneOffset.UTC));
        assertEquals(Schema.Type.INT16, schema(precisionOnly, numeric(4, 0)).type());
        assertEquals(Schema.Type.INT32, schema(precisionOnly, numeric(9, 0)).type());
        assertEquals(Schema.Type.INT64, schema(precisionOnly, numeric(18, 0)).type());
        assertEquals(Decimal.LOGICAL_NAME, schema(precisionOnly, numeric(19, 0)).name());
        assertEquals(Decimal.LOGICAL_NAME, schema(precisionOnly, numeric(10, 2)).name());
        assertEquals(Schema.Type.FLOAT64, schema(CONNECT_BEST_FIT, numeric(15, 2)).type());
        assertEquals(Decimal.LOGICAL_NAME, schema(CONNECT_BEST_FIT, numeric(16, 2)).name());
        assertEquals(SchemaNames.NUMERIC, schema(CONNECT_BEST_FIT, new PgColumn("n", "numeric", -1, true)).name());
    }

    @Test
    void enumsAndArrays() {
        Schema mood = PgTypeCatalog.reader(PgColumn.ofEnum("m", "shop", "mood", true)).schema();
        assertEquals(SchemaNames.ENUM, mood.name());
        assertEquals("shop.mood", mood.parameters().get(SchemaNames.ENUM_TYPE_PARAMETER));
        Schema ints = PgTypeCatalog.reader(PgColumn.ofArray("a", "_int4", false,
                new PgColumn("a", "int4", -1, true))).schema();
        assertEquals(Schema.Type.ARRAY, ints.type());
        assertEquals(Schema.OPTIONAL_INT32_SCHEMA, ints.valueSchema(), "elements may be NULL");
    }

    @Test
    void aUsersTypeNamedAsABuiltInIsItsTextOutput() {
        PgColumn shadow = PgColumn.ofBase("u", "app", "uuid", -1, false, "app.uuid");
        assertEquals(SchemaNames.PG_TEXT, PgTypeCatalog.reader(shadow).schema().name());
        PgColumn citext = PgColumn.ofBase("c", "extensions", "citext", -1, false, "extensions.citext");
        assertEquals(null, PgTypeCatalog.reader(citext).schema().name());
        PgColumn uuid = PgColumn.ofBase("u", "pg_catalog", "uuid", -1, false, "uuid");
        assertEquals(SchemaNames.UUID, PgTypeCatalog.reader(uuid).schema().name());
    }

    @Test
    void typesWithoutAFamilyAreTheirTextOutputNamingTheType() {
        PgColumn pair = PgColumn.ofBase("p", "My Types", "a pair", -1, false, "\"My Types\".\"a pair\"");
        ColumnReader composite = PgTypeCatalog.reader(pair);
        assertEquals(SchemaNames.PG_TEXT, composite.schema().name());
        assertEquals(Schema.Type.STRING, composite.schema().type());
        assertTrue(composite.schema().isOptional());
        assertEquals(Map.of(SchemaNames.PG_TYPE_PARAMETER, "\"My Types\".\"a pair\""),
                composite.schema().parameters());
        assertEquals("(1,\"a, \"\"b\"\"\")", composite.readText("(1,\"a, \"\"b\"\"\")"), "the text as it is");

        Schema bits = PgTypeCatalog.reader(PgColumn.ofBase("b", "pg_catalog", "bit", 3, true, "bit(3)")).schema();
        assertEquals(Map.of(SchemaNames.PG_TYPE_PARAMETER, "bit(3)"), bits.parameters());
        assertFalse(bits.isOptional());

        // An array of such a type is one value, its text output: the elements need no family
        ColumnReader points = PgTypeCatalog.reader(PgColumn.ofArray("p", "_point", true, new PgColumn("p", "point", -1, true)));
        assertEquals(Schema.Type.STRING, points.schema().type());
        assertEquals(Map.of(SchemaNames.PG_TYPE_PARAMETER, "point[]"), points.schema().parameters());
        assertEquals("{\"(1,2)\";\"(3,4)\"}", points.readText("{\"(1,2)\";\"(3,4)\"}"));
        assertEquals(Schema.Type.ARRAY, PgTypeCatalog.reader(PgColumn.ofArray("a", "_int4", true,
                new PgColumn("a", "int4", -1, true))).schema().type(), "an array of a mapped type stays an ARRAY");
        assertTrue(PgTypeCatalog.binaryEncoder(pair, composite.schema()).isEmpty(), "written as text");
    }

    @Test
    void intervalsBecomeSignedIso8601Durations() throws SQLException {
        assertEquals("P1Y2M3DT4H5M6.000007S", IntervalType.iso8601(new PGInterval("1 year 2 mons 3 days 04:05:06.000007")));
        assertEquals("P0Y0M-1DT0H0M-1.5S", IntervalType.iso8601(new PGInterval("-1 days -00:00:01.5")));
        assertEquals("P0Y0M0DT-26H-3M0S", IntervalType.iso8601(new PGInterval("-26:03:00")));
        assertEquals("P0Y0M0DT0H0M0S", IntervalType.iso8601(new PGInterval("00:00:00")));
    }
}
