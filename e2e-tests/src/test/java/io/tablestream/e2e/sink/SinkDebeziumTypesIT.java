package io.tablestream.e2e.sink;

import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.e2e.sink.SinkTopics.Rec;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;
import static io.tablestream.e2e.sink.SinkTopics.await;
import static io.tablestream.e2e.sink.SinkTopics.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debezium's PostgreSQL forms of column types Connect has no type for, into an existing table with the source's
 * column types, by COPY and batch alike: each is written as the column reads it, or the task fails naming the
 * field, the column type and the fix.
 */
@ExtendWith(TablestreamStack.class)
record SinkDebeziumTypesIT(Stack stack, ClassDatabase sink) {

    private static final Schema KEY = SchemaBuilder.struct().name("dbz.public.shapes.Key")
            .field("id", Schema.INT32_SCHEMA).build();

    /**
     * bit(n) comes as Debezium's Bits (the bit string as a little-endian binary number, without leading zeros), bit(1)
     * as BOOLEAN, hstore as a JSON object (hstore.handling.mode=json) or a map (=map), a PostGIS geometry as a Struct
     * of WKB and SRID.
     */
    @Test
    void bitsHstoreAndGeometryFillTheSourcesColumnTypes() {
        Schema bits = SchemaBuilder.bytes().name("io.debezium.data.Bits").parameter("length", "6").optional().build();
        Schema json = SchemaBuilder.string().name("io.debezium.data.Json").optional().build();
        Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).optional().build();
        Schema geometry = SchemaBuilder.struct().name("io.debezium.data.geometry.Geometry").optional()
                .field("wkb", Schema.BYTES_SCHEMA).field("srid", Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("dbz.public.shapes.Value").field("id", Schema.INT32_SCHEMA)
                .field("flags", bits).field("one", Schema.OPTIONAL_BOOLEAN_SCHEMA).field("attrs", json)
                .field("attrs_map", map).field("shape", geometry).build();
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("k", "v \"q\"");
        entries.put("n", null);
        byte[] point = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40};
        stack.kafka().createTopic("dbz_shapes", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_shapes", List.of(
                new Rec(KEY, new Struct(KEY).put("id", 1), value, new Struct(value).put("id", 1)
                        .put("flags", new byte[] {5}).put("one", true).put("attrs", "{\"a\":\"1\",\"b\":null}")
                        .put("attrs_map", entries)
                        .put("shape", new Struct(geometry).put("wkb", point).put("srid", 4326))),
                new Rec(KEY, new Struct(KEY).put("id", 2), value, new Struct(value).put("id", 2)
                        .put("flags", new byte[0]).put("one", false)),
                new Rec(KEY, new Struct(KEY).put("id", 3), value, new Struct(value).put("id", 3))));
        sink.db().useHandle(h -> {
            h.execute("CREATE EXTENSION IF NOT EXISTS hstore");
            // PostGIS is not in the embedded server: a domain of that name takes the text PostGIS would parse
            h.execute("CREATE DOMAIN geometry AS text");
        });
        List<List<String>> expected = List.of(
                List.of("1", "000101", "1", "true", "true", "0101000020e6100000000000000000f03f0000000000000040"),
                Arrays.asList("2", "000000", "0", null, null, null),
                Arrays.asList("3", null, null, null, null, null));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_shapes_" + method;
            sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, flags bit(6),"
                    + " one bit(1), attrs hstore, attrs_map hstore, shape geometry)"));
            sink.deploy("shapes-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_shapes", "insert.mode",
                    "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table));
            await("bits, hstore and geometry by " + method, expected, () -> rows(sink.db(),
                    "SELECT id, flags::text, one::text, (attrs = hstore(ARRAY['a','b'], ARRAY['1',NULL]))::text,"
                            + " (attrs_map = hstore(ARRAY['k','n'], ARRAY['v \"q\"',NULL]))::text, shape FROM "
                            + table + " ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * Debezium's Bits carry no bit count, so a bit varying value with leading zeros cannot be told from a shorter
     * one: the task fails naming the field, the column type and the fix, writing nothing.
     */
    @Test
    void bitsIntoBitVaryingFailNamingTheFieldAndTheFix() {
        Schema bits = SchemaBuilder.bytes().name("io.debezium.data.Bits").parameter("length", "8").optional().build();
        Schema value = SchemaBuilder.struct().name("dbz.public.masks.Value").field("id", Schema.INT32_SCHEMA)
                .field("mask", bits).build();
        stack.kafka().createTopic("dbz_masks", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_masks", List.of(new Rec(KEY,
                new Struct(KEY).put("id", 1), value, new Struct(value).put("id", 1).put("mask", new byte[] {5}))));
        sink.db().useHandle(h -> h.execute("CREATE TABLE dbz_masks (id int PRIMARY KEY, mask bit varying(8))"));
        sink.create("masks-sink", ConnectorConfigs.sink(stack, sink.url(), "dbz_masks", "insert.mode", "upsert",
                "pk.mode", "record_key"));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "masks-sink");
        assertTrue(trace.contains("'mask'") && trace.contains("bit varying(8)") && trace.contains("bit(n)"), trace);
        assertEquals(List.of(List.of("0")), rows(sink.db(), "SELECT count(*) FROM dbz_masks"));
    }

    /**
     * Debezium's text forms of json, time with time zone, intervals (interval.handling.mode=string) and numeric
     * without precision (VariableScaleDecimal) and with decimal.handling.mode=double, into the source's column types:
     * a json column keeps the document's text as sent (key order, spaces, repeated keys), a double keeps the digits
     * it was sent with, by COPY and batch alike.
     */
    @Test
    void debeziumTextAndNumberFormsKeepTheirValues() {
        Schema json = SchemaBuilder.string().name("io.debezium.data.Json").optional().build();
        Schema zonedTime = SchemaBuilder.string().name("io.debezium.time.ZonedTime").optional().build();
        Schema zonedTimestamp = SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").optional().build();
        Schema interval = SchemaBuilder.string().name("io.debezium.time.Interval").optional().build();
        Schema variable = SchemaBuilder.struct().name("io.debezium.data.VariableScaleDecimal").optional()
                .field("scale", Schema.INT32_SCHEMA).field("value", Schema.BYTES_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("dbz.public.forms.Value").field("id", Schema.INT32_SCHEMA)
                .field("doc", json).field("doc_text", json).field("at", zonedTime).field("ts", zonedTimestamp)
                .field("span", interval).field("amount", variable).field("ratio", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .build();
        String doc = "{\"b\": 1, \"a\": [1, 2], \"a\": 3}";
        stack.kafka().createTopic("dbz_forms", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_forms", List.of(
                new Rec(KEY, new Struct(KEY).put("id", 1), value, new Struct(value).put("id", 1).put("doc", doc)
                        .put("doc_text", doc).put("at", "13:45:30.123456Z").put("ts", "2024-02-29T23:30:15.123456Z")
                        .put("span", "P-1Y-2M3DT-4H-5M-6.780000S")
                        .put("amount", new Struct(variable).put("scale", 4)
                                .put("value", new java.math.BigInteger("-123456789").toByteArray()))
                        .put("ratio", 1234567.123456789)),
                new Rec(KEY, new Struct(KEY).put("id", 2), value, new Struct(value).put("id", 2))));
        List<List<String>> expected = List.of(
                List.of("1", doc, doc, "13:45:30.123456+00", "2024-02-29 23:30:15.123456+00",
                        "-1 years -2 mons +3 days -04:05:06.78", "-12345.6789", "1234567.123456789"),
                Arrays.asList("2", null, null, null, null, null, null, null));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_forms_" + method;
            sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, doc json,"
                    + " doc_text text, at timetz, ts timestamptz, span interval, amount numeric, ratio numeric)"));
            sink.deploy("forms-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_forms", "insert.mode",
                    "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table));
            await("text and number forms by " + method, expected, () -> rows(sink.db(),
                    "SELECT id, doc::text, doc_text, at::text, ts::text, span::text, amount::text, ratio::text FROM "
                            + table + " ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * Debezium's PostgreSQL connector puts its unavailable.value.placeholder in the fields of unchanged TOASTed
     * columns of an update (text, its bytes for bytea, a one-element array for arrays): those columns keep their
     * stored values instead of being overwritten with the placeholder; a new key gets the columns' defaults.
     */
    @Test
    void debeziumUnavailableValuePlaceholdersKeepTheStoredValues() {
        String placeholder = "__debezium_unavailable_value";
        Schema value = SchemaBuilder.struct().name("dbz.public.docs.Value").field("id", Schema.INT32_SCHEMA)
                .field("title", Schema.OPTIONAL_STRING_SCHEMA).field("body", Schema.OPTIONAL_STRING_SCHEMA)
                .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
                .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build()).build();
        byte[] placeholderBytes = placeholder.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        stack.kafka().createTopic("dbz_docs", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_docs", List.of(
                new Rec(KEY, new Struct(KEY).put("id", 1), value, new Struct(value).put("id", 1).put("title", "t1")
                        .put("body", "long body").put("blob", new byte[] {1, 2}).put("tags", List.of("a", "b"))),
                new Rec(KEY, new Struct(KEY).put("id", 1), value, new Struct(value).put("id", 1).put("title", "t2")
                        .put("body", placeholder).put("blob", placeholderBytes).put("tags", List.of(placeholder))),
                new Rec(KEY, new Struct(KEY).put("id", 2), value, new Struct(value).put("id", 2).put("title", "new")
                        .put("body", placeholder).put("blob", placeholderBytes).put("tags", List.of(placeholder)))));
        List<List<String>> expected = List.of(List.of("1", "t2", "long body", "\\x0102", "{a,b}"),
                List.of("2", "new", "unknown", "\\x", "{}"));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_docs_" + method;
            sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, title text,"
                    + " body text NOT NULL DEFAULT 'unknown', blob bytea DEFAULT '', tags text[] DEFAULT '{}')"));
            sink.deploy("docs-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_docs", "insert.mode",
                    "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table));
            await("unavailable values kept by " + method, expected, () -> rows(sink.db(),
                    "SELECT id, title, body, blob::text, tags::text FROM " + table + " ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * A wall-clock timestamp (Debezium's MicroTimestamp of a timestamp column) into a timestamptz column is the UTC
     * instant of that wall clock, and a Connect Timestamp into a timestamp column its UTC wall clock, by COPY and
     * batch alike, whatever the worker JVM's default time zone (from which pgjdbc sets the session's).
     */
    @Test
    void timestampsDoNotDependOnTheWorkersTimeZone() {
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build();
        Schema value = SchemaBuilder.struct().name("dbz.public.events.Value").field("id", Schema.INT32_SCHEMA)
                .field("at", micro).field("logged", org.apache.kafka.connect.data.Timestamp.builder().optional()
                        .build()).build();
        stack.kafka().createTopic("dbz_events", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_events", List.of(new Rec(KEY,
                new Struct(KEY).put("id", 1), value, new Struct(value).put("id", 1).put("at", 1_709_249_415_123_456L)
                        .put("logged", new java.util.Date(1_709_249_415_123L)))));
        java.util.TimeZone workerZone = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("America/New_York"));
        try {
            for (String method : List.of("copy", "batch")) {
                String table = "dbz_events_" + method;
                sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, at timestamptz,"
                        + " logged timestamp)"));
                sink.deploy("events-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_events", "insert.mode",
                        "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table));
                await("timestamps by " + method, List.of(List.of("1", "2024-02-29 23:30:15.123456",
                                "2024-02-29 23:30:15.123")),
                        () -> rows(sink.db(), "SELECT id, (at AT TIME ZONE 'UTC')::text, logged::text FROM " + table
                                + " ORDER BY id"), TIMEOUT);
            }
        } finally {
            java.util.TimeZone.setDefault(workerZone);
        }
    }

    /**
     * With db.timezone=Europe/Berlin (the source's zone), a wall-clock timestamp into timestamptz is that Berlin
     * time's instant and a Connect Timestamp into timestamp its Berlin wall clock, by COPY and batch alike.
     */
    @Test
    void dbTimezoneGivesWallClocksTheirZone() {
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build();
        Schema value = SchemaBuilder.struct().name("dbz.public.visits.Value").field("id", Schema.INT32_SCHEMA)
                .field("at", micro).field("logged", org.apache.kafka.connect.data.Timestamp.builder().optional()
                        .build()).build();
        stack.kafka().createTopic("dbz_visits", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_visits", List.of(new Rec(KEY,
                new Struct(KEY).put("id", 1), value, new Struct(value).put("id", 1).put("at", 1_709_249_415_123_456L)
                        .put("logged", new java.util.Date(1_719_792_000_000L)))));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_visits_" + method;
            sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, at timestamptz,"
                    + " logged timestamp)"));
            sink.deploy("visits-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_visits", "insert.mode",
                    "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table,
                    "db.timezone", "Europe/Berlin"));
            await("db.timezone by " + method, List.of(List.of("1", "2024-02-29 22:30:15.123456",
                            "2024-07-01 02:00:00")),
                    () -> rows(sink.db(), "SELECT id, (at AT TIME ZONE 'UTC')::text, logged::text FROM " + table
                            + " ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * db.timezone=CET (Java's Central European zone, with summer time) and SystemV/EST5EDT: a July wall-clock time
     * into timestamptz is two hours (four) from UTC, as Java reads the zone, although PostgreSQL would read CET as
     * its fixed abbreviation of +01 and the SystemV name as a POSIX zone, by COPY and batch alike.
     */
    @Test
    void dbTimezoneIsReadAsJavaReadsIt() {
        Schema micro = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build();
        Schema value = SchemaBuilder.struct().name("dbz.public.summer.Value").field("id", Schema.INT32_SCHEMA)
                .field("at", micro).build();
        stack.kafka().createTopic("dbz_summer", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_summer", List.of(
                rec(1, new Struct(value).put("id", 1).put("at", 1_721_044_800_000_000L)), // 2024-07-15 12:00
                rec(2, new Struct(value).put("id", 2).put("at", 953_553_600_000_000L)))); // 2000-03-20 12:00
        Map<String, List<List<String>>> expected = Map.of(
                "CET", List.of(List.of("1", "2024-07-15 10:00:00"), List.of("2", "2000-03-20 11:00:00")),
                "SystemV/EST5EDT", List.of(List.of("1", "2024-07-15 16:00:00"), List.of("2", "2000-03-20 17:00:00")));
        for (String zone : List.of("CET", "SystemV/EST5EDT")) {
            for (String method : List.of("copy", "batch")) {
                String table = "dbz_summer_" + method + "_" + zone.replaceAll("\\W", "").toLowerCase();
                sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, at timestamptz)"));
                sink.deploy(table.replace('_', '-'), ConnectorConfigs.sink(stack, sink.url(), "dbz_summer",
                        "insert.mode", "upsert", "pk.mode", "record_key", "write.method", method,
                        "table.name.format", table, "db.timezone", zone));
                await("db.timezone=" + zone + " by " + method, expected.get(zone), () -> rows(sink.db(),
                        "SELECT id, (at AT TIME ZONE 'UTC')::text FROM " + table + " ORDER BY id"), TIMEOUT);
            }
        }
    }

    /**
     * PostgreSQL's point comes as Debezium's Point Struct (x, y and the WKB): into a point column it is that point,
     * its coordinates exact, and an array of them into a point[] column, by COPY and batch alike.
     */
    @Test
    void debeziumPointsFillPointColumns() {
        Schema point = SchemaBuilder.struct().name("io.debezium.data.geometry.Point").version(1).optional()
                .field("x", Schema.FLOAT64_SCHEMA).field("y", Schema.FLOAT64_SCHEMA)
                .field("wkb", Schema.OPTIONAL_BYTES_SCHEMA).field("srid", Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema path = SchemaBuilder.array(point).optional().build();
        Schema value = SchemaBuilder.struct().name("dbz.public.places.Value").field("id", Schema.INT32_SCHEMA)
                .field("at", point).field("route", path).build();
        byte[] wkb = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40};
        stack.kafka().createTopic("dbz_places", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_places", List.of(
                rec(1, new Struct(value).put("id", 1)
                        .put("at", new Struct(point).put("x", 0.1 + 0.2).put("y", 1.0E23).put("wkb", wkb))
                        .put("route", Arrays.asList(new Struct(point).put("x", 1.0).put("y", 2.0),
                                new Struct(point).put("x", -0.5).put("y", 1234567.123456789), null))),
                rec(2, new Struct(value).put("id", 2))));
        List<List<String>> expected = List.of(
                List.of("1", "true", "{\"(1,2)\",\"(-0.5,1234567.123456789)\",NULL}"),
                Arrays.asList("2", null, null));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_places_" + method;
            sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, at point,"
                    + " route point[])"));
            sink.deploy("places-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_places", "insert.mode",
                    "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table));
            await("points by " + method, expected, () -> rows(sink.db(),
                    "SELECT id, (at[0] = 0.30000000000000004::float8 AND at[1] = 1e23::float8)::text, route::text"
                            + " FROM " + table + " ORDER BY id"), TIMEOUT);
        }
    }

    /** A Point without its y into a point column fails the task, naming the column, and writes nothing. */
    @Test
    void aPointWithoutACoordinateFailsNamingTheColumn() {
        Schema point = SchemaBuilder.struct().name("io.debezium.data.geometry.Point").optional()
                .field("x", Schema.OPTIONAL_FLOAT64_SCHEMA).field("y", Schema.OPTIONAL_FLOAT64_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("dbz.public.pins.Value").field("id", Schema.INT32_SCHEMA)
                .field("at", point).build();
        stack.kafka().createTopic("dbz_pins", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_pins", List.of(
                rec(1, new Struct(value).put("id", 1).put("at", new Struct(point).put("x", 1.0)))));
        sink.db().useHandle(h -> h.execute("CREATE TABLE dbz_pins (id int PRIMARY KEY, at point)"));
        sink.create("pins-sink", ConnectorConfigs.sink(stack, sink.url(), "dbz_pins", "insert.mode", "upsert",
                "pk.mode", "record_key"));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "pins-sink");
        assertTrue(trace.contains("column 'at'") && trace.contains("no y coordinate"), trace);
        assertEquals(List.of(List.of("0")), rows(sink.db(), "SELECT count(*) FROM dbz_pins"));
    }

    /**
     * auto.create of a table with an enum column from a first chunk whose rows leave a column unavailable: the
     * table gets every column of the schema, the unavailable one too.
     */
    @Test
    void autoCreateFromAnUpdateWithUnavailableColumnsCreatesEveryColumn() {
        Schema mood = SchemaBuilder.string().name("io.tablestream.data.Enum")
                .parameter("io.tablestream.enum.type", "mood").optional().build();
        Schema row = SchemaBuilder.struct().name("dbz.public.moods.Value").optional()
                .field("id", Schema.INT32_SCHEMA).field("mood", mood).field("body", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        stack.kafka().createTopic("dbz_moods", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_moods", List.of(rec(1, envelope(row,
                new Struct(row).put("id", 1).put("mood", "happy").put("body", "__debezium_unavailable_value"), "u"))));
        sink.db().useHandle(h -> h.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')"));
        sink.deploy("moods-sink", ConnectorConfigs.sink(stack, sink.url(), "dbz_moods", "insert.mode", "upsert",
                "pk.mode", "record_key", "auto.create", "true", "table.name.format", "dbz_moods"));
        await("every column created", List.of(Arrays.asList("1", "happy", null)), () -> rows(sink.db(),
                "SELECT id, mood::text, body FROM dbz_moods"), TIMEOUT);
    }

    private static Struct envelope(Schema row, Struct after, String op) {
        Schema schema = SchemaBuilder.struct().name("dbz.public.notes.Envelope")
                .field("before", row).field("after", row).field("op", Schema.STRING_SCHEMA).build();
        return new Struct(schema).put("after", after).put("op", op);
    }

    /**
     * Debezium puts its placeholder only in updates: a created or snapshotted row whose value equals it is written as
     * it is; in an update the text and an hstore (map or JSON) holding it keep the stored values, by COPY and batch.
     */
    @Test
    void thePlaceholderIsAnUnavailableValueOnlyInUpdates() {
        String placeholder = "__debezium_unavailable_value";
        Schema json = SchemaBuilder.string().name("io.debezium.data.Json").optional().build();
        Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).optional().build();
        Schema row = SchemaBuilder.struct().name("dbz.public.notes.Value").optional()
                .field("id", Schema.INT32_SCHEMA).field("body", Schema.OPTIONAL_STRING_SCHEMA)
                .field("attrs", json).field("attrs_map", map).build();
        String jsonPlaceholder = "{\"" + placeholder + "\":\"" + placeholder + "\"}";
        stack.kafka().createTopic("dbz_notes", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_notes", List.of(
                rec(1, envelope(row, new Struct(row).put("id", 1).put("body", placeholder)
                        .put("attrs", "{\"a\":\"1\"}").put("attrs_map", Map.of("k", "v")), "c")),
                rec(2, envelope(row, new Struct(row).put("id", 2).put("body", placeholder), "r")),
                rec(3, envelope(row, new Struct(row).put("id", 3).put("body", "kept")
                        .put("attrs", "{\"a\":\"1\"}").put("attrs_map", Map.of("k", "v")), "c")),
                rec(3, envelope(row, new Struct(row).put("id", 3).put("body", placeholder)
                        .put("attrs", jsonPlaceholder).put("attrs_map", Map.of(placeholder, placeholder)), "u"))));
        sink.db().useHandle(h -> h.execute("CREATE EXTENSION IF NOT EXISTS hstore"));
        List<List<String>> expected = List.of(List.of("1", placeholder, "\"a\"=>\"1\"", "\"k\"=>\"v\""),
                Arrays.asList("2", placeholder, null, null),
                List.of("3", "kept", "\"a\"=>\"1\"", "\"k\"=>\"v\""));
        for (String method : List.of("copy", "batch")) {
            String table = "dbz_notes_" + method;
            sink.db().useHandle(h -> h.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, body text,"
                    + " attrs hstore, attrs_map hstore)"));
            sink.deploy("notes-" + method, ConnectorConfigs.sink(stack, sink.url(), "dbz_notes", "insert.mode",
                    "upsert", "pk.mode", "record_key", "write.method", method, "table.name.format", table));
            await("placeholders of updates only by " + method, expected, () -> rows(sink.db(),
                    "SELECT id, body, attrs::text, attrs_map::text FROM " + table + " ORDER BY id"), TIMEOUT);
        }
    }

    /**
     * A key column holding the placeholder (an unchanged TOASTed key of an update under REPLICA IDENTITY DEFAULT)
     * names no row: the task fails naming the column and the fix, writing no row keyed by the placeholder.
     */
    @Test
    void aPlaceholderInAKeyColumnFailsNamingTheFix() {
        String placeholder = "__debezium_unavailable_value";
        Schema row = SchemaBuilder.struct().name("dbz.public.codes.Value").optional()
                .field("code", Schema.OPTIONAL_STRING_SCHEMA).field("label", Schema.OPTIONAL_STRING_SCHEMA).build();
        stack.kafka().createTopic("dbz_codes", 1);
        SinkTopics.produce(stack.kafka().bootstrapServers(), "dbz_codes", List.of(new Rec(null, null,
                envelope(row, null, "u").schema(),
                envelope(row, new Struct(row).put("code", placeholder).put("label", "x"), "u"), Map.of())));
        sink.db().useHandle(h -> h.execute("CREATE TABLE dbz_codes (code text PRIMARY KEY, label text)"));
        sink.create("codes-sink", ConnectorConfigs.sink(stack, sink.url(), "dbz_codes", "insert.mode", "upsert",
                "pk.mode", "record_value", "pk.fields", "code"));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "codes-sink");
        assertTrue(trace.contains("'code'") && trace.contains("REPLICA IDENTITY FULL"), trace);
        assertEquals(List.of(List.of("0")), rows(sink.db(), "SELECT count(*) FROM dbz_codes"));
    }

    private static Rec rec(int id, Struct value) {
        return new Rec(KEY, new Struct(KEY).put("id", id), value.schema(), value, Map.of());
    }
}
