package io.tablestream.e2e.source;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.jdbc.types.SchemaNames;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every mapped PostgreSQL type reaches the topic with its exact value: extremes, NULLs, non-ASCII, old and far dates;
 * every other type as its text output, the same by polling and by mode=cdc, and back into its own type by the sink.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SourceTypesIT {

    private static final String DB = "source_types_it";
    private static final String OTHER_TYPES_DB = "source_other_types_it";
    private static final String COPY_DB = "sink_other_types_it";
    /** Types tablestream has no family for, in both databases; a schema and a type whose names need quoting. */
    private static final String OTHER_TYPE_DEFINITIONS = """
            CREATE EXTENSION hstore;
            CREATE SCHEMA "Odd, ""Types""\";
            CREATE TYPE "Odd, ""Types""\"."a pair" AS (n int, t text);
            """;
    private static final String ODD_PAIR = "\"Odd, \"\"Types\"\"\".\"a pair\"";
    private static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(60);

    private final Stack stack;
    private String url;
    private List<Struct> micros;
    private List<Struct> connect;

    SourceTypesIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeAll
    void createTableAndCapture() {
        url = stack.postgres().createDatabase(DB);
        Jdbi db = Jdbi.create(() -> stack.postgres().connect(DB));
        db.useHandle(h -> h.execute("""
                CREATE TYPE mood AS ENUM ('happy', 'sad', 'ünïcödé');
                CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
                CREATE DOMAIN short_text AS varchar(20);
                CREATE TABLE all_types (
                  id int PRIMARY KEY,
                  c_int2 smallint, c_int4 integer, c_int8 bigint, c_float4 real, c_float8 double precision,
                  c_numeric numeric(20,5), c_numeric_free numeric, c_num_int numeric(9,0), c_num_small numeric(10,2),
                  c_bool boolean, c_text text, c_varchar varchar(10), c_char char(3), c_bytea bytea,
                  c_date date, c_time time, c_timetz timetz, c_ts timestamp, c_tstz timestamptz, c_interval interval,
                  c_uuid uuid, c_json json, c_jsonb jsonb, c_enum mood,
                  c_int_array int[], c_text_array text[], c_numeric_array numeric(10,2)[], c_enum_array mood[],
                  c_tstz_array timestamptz[], c_domain positive_int, c_domain_text short_text);
                INSERT INTO all_types VALUES
                 (1, 32767, 2147483647, 9223372036854775807, 3.4028235e38, 1.7976931348623157e308,
                  999999999999999.99999, -12345678901234567890.123456789012345, 999999999, 12345678.99,
                  true, 'Grüße, 世界 🚀', 'ñandú', 'abc', '\\x00ff10',
                  '2099-12-31', '23:59:59.999999', '13:45:30.123456+02:00', '2262-04-11 23:47:16.854775',
                  '2099-12-31 23:59:59.999999+00', '1 year 2 mons 3 days 04:05:06.000007',
                  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.5, "x"]}', '{"ключ": null}', 'ünïcödé',
                  '{1,NULL,-3}', '{"a","b c",NULL}', '{1.50,-2.25}', '{happy,sad}',
                  '{"1969-07-20 20:17:40.000001+00"}', 42, 'domain text'),
                 (2, -32768, -2147483648, -9223372036854775808, -1.5, -2.2250738585072014e-308,
                  -999999999999999.99999, 0.000000000000000000001, -999999999, -0.01,
                  false, '', '', '   ', '\\x',
                  '1900-01-01', '00:00:00', '00:00:00-05:30', '1969-07-20 20:17:40.000001',
                  '1900-01-01 00:00:00.5+00', '-1 days -00:00:01.5',
                  '00000000-0000-0000-0000-000000000000', '[]', '{}', 'happy',
                  '{}', '{}', '{}', '{}', '{}', 1, ''),
                 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"""));
        deploy("types-micros", "types.", Map.of());
        deploy("types-connect", "types_connect.", Map.of("time.precision.mode", "connect", "numeric.mapping", "best_fit"));
        micros = TopicReader.readUntilId(stack.kafka().bootstrapServers(), "types.all_types", 3, TIMEOUT);
        connect = TopicReader.readUntilId(stack.kafka().bootstrapServers(), "types_connect.all_types", 3, TIMEOUT);
        stack.rest().deleteConnector("types-micros");
        stack.rest().deleteConnector("types-connect");
    }

    private void deploy(String name, String prefix, Map<String, String> extra) {
        stack.rest().createOrUpdateConnector(name, ConnectorConfigs.with(ConnectorConfigs.source(stack, url, prefix,
                "table.include.list", "all_types", "mode", "incrementing", "incrementing.column.name", "id"), extra));
        stack.rest().awaitRunning(name, TIMEOUT);
    }

    private static long micros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    @Test
    void extremesAndNonAsciiArriveExactly() {
        Struct row = micros.get(0);
        assertEquals(1, row.get("id"));
        assertEquals((short) 32767, row.get("c_int2"));
        assertEquals(2147483647, row.get("c_int4"));
        assertEquals(Long.MAX_VALUE, row.get("c_int8"));
        assertEquals(3.4028235e38f, row.get("c_float4"));
        assertEquals(1.7976931348623157e308, row.get("c_float8"));
        assertEquals(new BigDecimal("999999999999999.99999"), row.get("c_numeric"));
        assertEquals("-12345678901234567890.123456789012345", row.get("c_numeric_free"));
        assertEquals(new BigDecimal("999999999"), row.get("c_num_int"));
        assertEquals(new BigDecimal("12345678.99"), row.get("c_num_small"));
        assertEquals(true, row.get("c_bool"));
        assertEquals("Grüße, 世界 🚀", row.get("c_text"));
        assertEquals("ñandú", row.get("c_varchar"));
        assertEquals("abc", row.get("c_char"));
        assertArrayEquals(new byte[]{0x00, (byte) 0xff, 0x10}, (byte[]) row.get("c_bytea"));
        assertEquals(Date.from(LocalDate.parse("2099-12-31").atStartOfDay(ZoneOffset.UTC).toInstant()), row.get("c_date"));
        assertEquals(LocalTime.parse("23:59:59.999999").toNanoOfDay() / 1000, row.get("c_time"));
        assertEquals("13:45:30.123456+02:00", row.get("c_timetz"));
        assertEquals(micros(LocalDateTime.parse("2262-04-11T23:47:16.854775").toInstant(ZoneOffset.UTC)), row.get("c_ts"));
        assertEquals(micros(Instant.parse("2099-12-31T23:59:59.999999Z")), row.get("c_tstz"));
        assertEquals("P1Y2M3DT4H5M6.000007S", row.get("c_interval"));
        assertEquals("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", row.get("c_uuid"));
        assertEquals("{\"a\": [1, 2.5, \"x\"]}", row.get("c_json"));
        assertEquals("{\"ключ\": null}", row.get("c_jsonb"));
        assertEquals("ünïcödé", row.get("c_enum"));
        assertEquals(Arrays.asList(1, null, -3), row.get("c_int_array"));
        assertEquals(Arrays.asList("a", "b c", null), row.get("c_text_array"));
        assertEquals(List.of(new BigDecimal("1.50"), new BigDecimal("-2.25")), row.get("c_numeric_array"));
        assertEquals(List.of("happy", "sad"), row.get("c_enum_array"));
        assertEquals(List.of(micros(Instant.parse("1969-07-20T20:17:40.000001Z"))), row.get("c_tstz_array"));
        assertEquals(42, row.get("c_domain"));
        assertEquals("domain text", row.get("c_domain_text"));
    }

    @Test
    void minimaNegativesEmptiesAndDatesBefore1970ArriveExactly() {
        Struct row = micros.get(1);
        assertEquals((short) -32768, row.get("c_int2"));
        assertEquals(Integer.MIN_VALUE, row.get("c_int4"));
        assertEquals(Long.MIN_VALUE, row.get("c_int8"));
        assertEquals(-1.5f, row.get("c_float4"));
        assertEquals(-2.2250738585072014e-308, row.get("c_float8"));
        assertEquals(new BigDecimal("-999999999999999.99999"), row.get("c_numeric"));
        assertEquals("0.000000000000000000001", row.get("c_numeric_free"));
        assertEquals(new BigDecimal("-0.01"), row.get("c_num_small"));
        assertEquals(false, row.get("c_bool"));
        assertEquals("", row.get("c_text"));
        assertEquals("   ", row.get("c_char"));
        assertArrayEquals(new byte[0], (byte[]) row.get("c_bytea"));
        assertEquals(Date.from(LocalDate.parse("1900-01-01").atStartOfDay(ZoneOffset.UTC).toInstant()), row.get("c_date"));
        assertEquals(0L, row.get("c_time"));
        assertEquals("00:00:00.000000-05:30", row.get("c_timetz"));
        assertEquals(micros(LocalDateTime.parse("1969-07-20T20:17:40.000001").toInstant(ZoneOffset.UTC)), row.get("c_ts"));
        assertEquals(micros(Instant.parse("1900-01-01T00:00:00.5Z")), row.get("c_tstz"));
        assertEquals("P0Y0M-1DT0H0M-1.5S", row.get("c_interval"));
        assertEquals("[]", row.get("c_json"));
        assertEquals(List.of(), row.get("c_int_array"));
        assertEquals(1, row.get("c_domain"));
    }

    @Test
    void nullsStayNullAndSchemasCarryTheirNames() {
        Struct row = micros.get(2);
        for (var field : row.schema().fields()) {
            if (!field.name().equals("id")) {
                assertNull(row.get(field), field.name());
            }
        }
        Schema schema = row.schema();
        assertEquals(SchemaNames.TIMESTAMPTZ_MICROS, schema.field("c_tstz").schema().name());
        assertEquals(SchemaNames.TIMESTAMP_MICROS, schema.field("c_ts").schema().name());
        assertEquals(SchemaNames.TIME_MICROS, schema.field("c_time").schema().name());
        assertEquals(SchemaNames.TIMETZ, schema.field("c_timetz").schema().name());
        assertEquals(SchemaNames.INTERVAL, schema.field("c_interval").schema().name());
        assertEquals(SchemaNames.UUID, schema.field("c_uuid").schema().name());
        assertEquals(SchemaNames.JSON, schema.field("c_jsonb").schema().name());
        assertEquals(SchemaNames.NUMERIC, schema.field("c_numeric_free").schema().name());
        assertEquals(SchemaNames.ENUM, schema.field("c_enum").schema().name());
        assertEquals(Map.of(SchemaNames.ENUM_TYPE_PARAMETER, "public.mood"), schema.field("c_enum").schema().parameters());
        assertEquals(Schema.Type.ARRAY, schema.field("c_enum_array").schema().type());
        assertEquals(SchemaNames.ENUM, schema.field("c_enum_array").schema().valueSchema().name());
        assertEquals("20", schema.field("c_numeric").schema().parameters().get("connect.decimal.precision"));
    }

    @Test
    void connectTimePrecisionAndBestFitNumerics() {
        Struct row = connect.get(0);
        assertEquals(Date.from(Instant.parse("2099-12-31T23:59:59.999Z")), row.get("c_tstz"));
        assertEquals(Date.from(LocalDateTime.parse("2262-04-11T23:47:16.854").toInstant(ZoneOffset.UTC)), row.get("c_ts"));
        assertEquals(new Date(LocalTime.parse("23:59:59.999").toNanoOfDay() / 1_000_000), row.get("c_time"));
        assertEquals(org.apache.kafka.connect.data.Timestamp.LOGICAL_NAME, row.schema().field("c_tstz").schema().name());
        assertEquals(999999999, row.get("c_num_int"));
        assertEquals(12345678.99, row.get("c_num_small"));
        assertEquals(new BigDecimal("999999999999999.99999"), row.get("c_numeric"), "precision 20 stays Decimal");
        assertEquals(Date.from(Instant.parse("1900-01-01T00:00:00.500Z")), connect.get(1).get("c_tstz"));
    }

    /**
     * Types without a family of their own (network addresses, money, bit strings, xml, tsvector, ranges, a composite
     * in a schema whose name needs quoting, hstore, point, arrays of them) are STRINGs holding PostgreSQL's text
     * output, named as PostgreSQL names the type: a polling connector and a mode=cdc connector (snapshot and stream)
     * give the same records, and the sink with auto.create puts them back into columns of the original types (a type
     * the target database lacks into text), value for value.
     */
    @Test
    void typesWithoutAFamilyTravelAsTextAndComeBackAsTheirOwnTypes() {
        String sourceUrl = stack.postgres().createDatabase(OTHER_TYPES_DB);
        Jdbi source = Jdbi.create(() -> stack.postgres().connect(OTHER_TYPES_DB));
        source.useHandle(h -> h.execute(OTHER_TYPE_DEFINITIONS + """
                CREATE TYPE only_in_source AS (x int);
                CREATE TABLE other_types (
                  c_inet inet PRIMARY KEY, id int NOT NULL,
                  c_cidr cidr, c_macaddr macaddr, c_money money, c_bit bit(3), c_varbit varbit, c_xml xml,
                  c_tsvector tsvector, c_int4range int4range, c_tstzrange tstzrange, c_pair %1$s, c_hstore hstore,
                  c_point point, c_inet_array inet[], c_pair_array %1$s[], c_only_in_source only_in_source);
                INSERT INTO other_types VALUES
                 ('192.168.0.1', 1, '10.0.0.0/8', '08:00:2b:01:02:03', 1234.56, B'101', B'1101',
                  '<a x="1">t &amp; "q"</a>', 'a fat cat sat', '[1,5)', '[2024-01-01 00:00+00,2024-06-01 12:30:00.5+02)',
                  ROW(1, 'say "hi", (ok)'), 'a=>1, "b c"=>NULL, "q=>,"=>","', '(1.5,-2)', '{10.0.0.1,::1}',
                  ARRAY[ROW(1, 'x'), ROW(NULL, 'a,b "q"' || chr(92)), NULL]::%1$s[], ROW(7)),
                 ('::1', 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
                """.formatted(ODD_PAIR)));
        Map<String, String> cdc = ConnectorConfigs.source(stack, sourceUrl, "other_cdc.",
                "table.include.list", "other_types", "mode", "cdc", "slot.name", "other_types_cdc");
        stack.rest().createOrUpdateConnector("other-types-cdc", cdc);
        stack.rest().awaitRunning("other-types-cdc", TIMEOUT);
        stack.rest().createOrUpdateConnector("other-types-polling", ConnectorConfigs.source(stack, sourceUrl,
                "other_polling.", "table.include.list", "other_types", "mode", "incrementing",
                "incrementing.column.name", "id"));
        stack.rest().awaitRunning("other-types-polling", TIMEOUT);
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), "other_cdc.other_types", 2, TIMEOUT);
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), "other_polling.other_types", 2, TIMEOUT);
        // Streamed by mode=cdc (text output), where rows 1 and 2 came from its snapshot (JDBC)
        source.useHandle(h -> h.execute("""
                INSERT INTO other_types VALUES
                 ('2001:db8::ff00:42:8329', 3, '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', -0.01, B'000', B'',
                  '<empty/>', '', 'empty', '(,)', ROW(NULL, NULL), '', '(0,0)', '{}', '{}', ROW(NULL)),
                 ('10.1.2.3/24', 4, '192.168.100.128/25', '00:00:00:00:00:00', 92233720368547758.07, B'111',
                  B'0', 'just text, no tags', $$'a b' c 'it''s'$$::tsvector || setweight(to_tsvector('simple', 'x y'), 'A'), '(-10,10]',
                  '[-infinity,infinity]', ROW(-1, 'back' || chr(92) || 'slash, tab' || chr(9)), '"k"=>"v"', '(-1e-300,1e300)',
                  ARRAY[NULL, '0.0.0.0/0']::inet[], ARRAY[ROW(2, '')]::%1$s[], NULL);
                """.formatted(ODD_PAIR)));
        List<Struct> polled = TopicReader.readUntilId(stack.kafka().bootstrapServers(), "other_polling.other_types",
                4, TIMEOUT);
        List<Struct> streamed = TopicReader.readUntilId(stack.kafka().bootstrapServers(), "other_cdc.other_types",
                4, TIMEOUT);

        List<String> columns = List.of("c_inet", "c_cidr", "c_macaddr", "c_money", "c_bit", "c_varbit", "c_xml",
                "c_tsvector", "c_int4range", "c_tstzrange", "c_pair", "c_hstore", "c_point", "c_inet_array",
                "c_pair_array", "c_only_in_source");
        Schema schema = polled.get(0).schema();
        assertEquals(columns.size() + 1, schema.fields().size(), "every column is in the record: " + schema.fields());
        Map<String, String> named = new LinkedHashMap<>();
        for (String column : columns) {
            Schema field = schema.field(column).schema();
            assertEquals(Schema.Type.STRING, field.type(), column);
            assertEquals(SchemaNames.PG_TEXT, field.name(), column);
            named.put(column, field.parameters().get(SchemaNames.PG_TYPE_PARAMETER));
        }
        assertEquals(Map.ofEntries(Map.entry("c_inet", "inet"), Map.entry("c_cidr", "cidr"),
                Map.entry("c_macaddr", "macaddr"), Map.entry("c_money", "money"), Map.entry("c_bit", "bit(3)"),
                Map.entry("c_varbit", "bit varying"), Map.entry("c_xml", "xml"), Map.entry("c_tsvector", "tsvector"),
                Map.entry("c_int4range", "int4range"), Map.entry("c_tstzrange", "tstzrange"),
                Map.entry("c_pair", ODD_PAIR), Map.entry("c_hstore", "public.hstore"), Map.entry("c_point", "point"),
                Map.entry("c_inet_array", "inet[]"), Map.entry("c_pair_array", ODD_PAIR + "[]"),
                Map.entry("c_only_in_source", "public.only_in_source")), named);

        // Each value is the column's text output: format() prints through the output function, as pgoutput does
        // (num_nulls, as IS NOT NULL is false for a composite with a NULL field)
        String outputs = columns.stream().map(c -> "CASE WHEN num_nulls(" + c + ") = 0 THEN format('%s', " + c
                + ") END").collect(Collectors.joining(", "));
        List<List<String>> expected = Fixtures.rows(source, "SELECT id::text, " + outputs
                + " FROM other_types ORDER BY id");
        assertEquals(expected, texts(byId(polled), columns), "polling gives each type's text output");
        assertEquals(byId(polled), byId(streamed), "mode=cdc (snapshot and stream) gives the polling records");
        assertEquals("$1,234.56", byId(polled).get(0).get("c_money"));
        assertEquals("(1,\"say \"\"hi\"\", (ok)\")", byId(polled).get(0).get("c_pair"));

        String copyUrl = stack.postgres().createDatabase(COPY_DB);
        Jdbi copy = Jdbi.create(() -> stack.postgres().connect(COPY_DB));
        copy.useHandle(h -> h.execute(OTHER_TYPE_DEFINITIONS));
        for (String from : List.of("polling", "cdc")) {
            stack.rest().createOrUpdateConnector("other-types-sink-" + from, ConnectorConfigs.sink(stack, copyUrl,
                    "other_" + from + ".other_types", "table.name.format", "from_" + from, "auto.create", "true",
                    "pk.mode", "record_key", "insert.mode", "upsert"));
        }
        String asText = "SELECT id, " + columns.stream().map(c -> c + "::text").collect(Collectors.joining(", "))
                + " FROM %s ORDER BY id";
        List<List<String>> sourceRows = Fixtures.rows(source, asText.formatted("other_types"));
        Map<String, String> sourceTypes = columnTypes(source, "other_types");
        sourceTypes.put("c_only_in_source", "text"); // the copy's database has no such type
        for (String from : List.of("polling", "cdc")) {
            String table = "from_" + from;
            Fixtures.await(table + " holds every row", 4L, () -> {
                List<String> task = Fixtures.taskStateAndTrace(stack.rest(), "other-types-sink-" + from);
                if (task.get(0).equals("FAILED")) {
                    throw new AssertionError("the sink failed: " + task.get(1));
                }
                return Fixtures.count(copy, table);
            }, TIMEOUT);
            assertEquals(sourceRows, Fixtures.rows(copy, asText.formatted(table)), table + " holds the same values");
            assertEquals(sourceTypes, columnTypes(copy, table), table + " has the source's column types");
        }
        for (String connector : List.of("other-types-cdc", "other-types-polling", "other-types-sink-polling",
                "other-types-sink-cdc")) {
            stack.rest().deleteConnector(connector);
        }
        stack.postgres().dropDatabase(OTHER_TYPES_DB); // and its slot, which would hold WAL back
    }

    private static List<Struct> byId(List<Struct> values) {
        Map<Object, Struct> last = new java.util.TreeMap<>();
        values.forEach(v -> last.put(v.get("id"), v));
        return List.copyOf(last.values());
    }

    private static List<List<String>> texts(List<Struct> rows, List<String> columns) {
        return rows.stream().map(row -> {
            List<String> texts = new java.util.ArrayList<>();
            texts.add(row.get("id").toString());
            columns.forEach(c -> texts.add((String) row.get(c)));
            return texts;
        }).toList();
    }

    /** Column name -> type as format_type() writes it, in column order. */
    private static Map<String, String> columnTypes(Jdbi db, String table) {
        Map<String, String> types = new java.util.TreeMap<>();
        Fixtures.rows(db, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"
                + table + "'::regclass AND attnum > 0 AND NOT attisdropped").forEach(r -> types.put(r.get(0), r.get(1)));
        return types;
    }
}
