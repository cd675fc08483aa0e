package io.tablestream.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.reliability.Fixtures.TIMEOUT;
import static io.tablestream.e2e.reliability.Fixtures.await;
import static io.tablestream.e2e.reliability.Fixtures.rows;
import static io.tablestream.e2e.ValidationErrors.errors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Identifiers from records and configs are always quoted or rejected: hostile table and column names (quotes,
 * semicolons, spaces, mixed case, Unicode, reserved words) travel source -> sink literally; SQL injection through a
 * record field name, {@code table.name.format}, {@code table.include.list} and {@code schema.pattern} leaves the
 * database untouched; names over PostgreSQL's 63-byte limit fail naming the field and the fix.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileIdentifiersIT {

    private static final String DB = "hostile_identifiers_it";
    private static final String DROP_VICTIM = "; DROP TABLE victim; --";

    private final Stack stack;
    private final List<String> connectors = new ArrayList<>();
    private Jdbi db;
    private String url;

    HostileIdentifiersIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeAll
    void createDatabase() {
        url = stack.postgres().createDatabase(DB);
        db = Jdbi.create(() -> stack.postgres().connect(DB));
        db.useHandle(h -> h.execute("CREATE TABLE victim (id int PRIMARY KEY, note text);"
                + " INSERT INTO victim VALUES (1, 'intact'), (2, 'also intact')"));
    }

    /** Every test ends with the victim table as it was: no injected statement ran. */
    @AfterEach
    void victimIsUntouched() {
        assertEquals(List.of(List.of("1", "intact"), List.of("2", "also intact")),
                rows(db, "SELECT id, note FROM victim ORDER BY id"));
    }

    @AfterAll
    void deleteConnectors() {
        connectors.forEach(stack.rest()::deleteConnectorIfExists);
    }

    private void deploy(String name, Map<String, String> config) {
        connectors.add(name);
        stack.rest().createOrUpdateConnector(name, config);
    }

    @Test
    void hostileTableAndColumnNamesTravelSourceToSinkLiterally() {
        // Kafka topic names allow only [a-zA-Z0-9._-], so the source table keeps to those (mixed case); the
        // columns and the sink table carry everything else.
        String columns = "\"Mixed Case\" text, \"semi;colon\" text, \"quo\"\"te\" text, \"ünïcödé ✓\" text,"
                + " \"select\" int, \"user\" text, \"x\"\"" + DROP_VICTIM + "\" text";
        db.useHandle(h -> h.execute("CREATE TABLE \"MixedCase_Src\" (id bigint PRIMARY KEY, " + columns + ");"
                + " INSERT INTO \"MixedCase_Src\" SELECT g, 'm' || g, 's;' || g, 'q\"' || g, 'ü' || g, g,"
                + " CASE WHEN g % 3 = 0 THEN NULL ELSE 'u' || g END, '''); DROP TABLE victim; --' || g"
                + " FROM generate_series(1, 25) g"));
        String sinkTable = "Zïel; \"tbl\" hostile_MixedCase_Src select";
        deploy("hostile-names-source", Fixtures.sourceConfig(stack, url, "\"MixedCase_Src\"", "hostile_"));
        deploy("hostile-names-sink", ConnectorConfigs.sink(stack, url, "hostile_MixedCase_Src",
                "table.name.format", "\"Zïel; \"\"tbl\"\" ${topic} select\"", "auto.create", "true",
                "pk.mode", "record_key", "insert.mode", "upsert"));
        String quotedSink = "\"" + sinkTable.replace("\"", "\"\"") + "\"";
        await("rows in the sink table", 25L, () -> Fixtures.count(db, quotedSink), TIMEOUT);

        String select = "SELECT id, \"Mixed Case\", \"semi;colon\", \"quo\"\"te\", \"ünïcödé ✓\", \"select\", \"user\","
                + " \"x\"\"" + DROP_VICTIM + "\" FROM ";
        assertEquals(List.of(), Fixtures.difference(db, select + "\"MixedCase_Src\"", select + quotedSink));
        String attributes = "SELECT attname FROM pg_attribute WHERE attnum > 0 AND NOT attisdropped AND attrelid = ";
        assertEquals(rows(db, attributes + "'\"MixedCase_Src\"'::regclass ORDER BY attnum"),
                rows(db, attributes + "'" + quotedSink.replace("'", "''") + "'::regclass ORDER BY attnum"),
                "the sink table has the source's column names, byte for byte");
    }

    @Test
    void injectionThroughAFieldNameAndTableNameFormatRunsNothing() {
        Schema schema = SchemaBuilder.struct().name("Injection")
                .field("id", Schema.INT64_SCHEMA)
                .field("x\" text); DROP TABLE victim; --", Schema.OPTIONAL_STRING_SCHEMA)
                .field("'; DELETE FROM victim; --", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        List<Struct> values = new ArrayList<>();
        for (long i = 0; i < 5; i++) {
            values.add(new Struct(schema).put("id", i).put("x\" text); DROP TABLE victim; --", "v" + i)
                    .put("'; DELETE FROM victim; --", "'); DELETE FROM victim; --"));
        }
        stack.kafka().createTopic("inject", 1);
        Fixtures.produce(stack.kafka().bootstrapServers(), "inject", schema, values);
        for (String method : List.of("copy", "batch")) {
            deploy("inject-" + method, ConnectorConfigs.sink(stack, url, "inject", "auto.create", "true",
                    "write.method", method, "table.name.format", "victim\"" + DROP_VICTIM + "${topic}_" + method));
        }
        for (String method : List.of("copy", "batch")) {
            String table = "\"victim\"\"" + DROP_VICTIM + "inject_" + method + "\"";
            await(method + " rows", 5L, () -> Fixtures.count(db, table), TIMEOUT);
            assertEquals(List.of(List.of("0", "v0", "'); DELETE FROM victim; --"),
                            List.of("4", "v4", "'); DELETE FROM victim; --")),
                    rows(db, "SELECT id, \"x\"\" text); DROP TABLE victim; --\", \"'; DELETE FROM victim; --\" FROM "
                            + table + " WHERE id IN (0, 4) ORDER BY id"));
        }
        assertEquals(List.of(List.of("victim"), List.of("victim\"" + DROP_VICTIM + "inject_batch"),
                        List.of("victim\"" + DROP_VICTIM + "inject_copy")),
                rows(db, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                        + " AND relname LIKE 'victim%' ORDER BY relname"));
    }

    @Test
    void injectionThroughTableIncludeListAndSchemaPatternRunsNothing() {
        // A regular expression is never SQL: one that matches no table yet is accepted (the connector waits for one).
        JsonNode pattern = stack.rest().validate("PostgresSourceConnector", Fixtures.sourceConfig(stack, url,
                "victim" + DROP_VICTIM, "inj_"));
        assertEquals(0, pattern.get("error_count").asInt(), pattern.toPrettyString());
        assertEquals(List.of(List.of("victim")), rows(db, "SELECT relname FROM pg_class WHERE relname = 'victim'"));
        for (String include : List.of("\"victim\"\"" + DROP_VICTIM + "\"", "victim'); DROP TABLE victim; --")) {
            JsonNode result = stack.rest().validate("PostgresSourceConnector", Fixtures.sourceConfig(stack, url,
                    include, "inj_"));
            List<String> errors = errors(result, "table.include.list");
            assertTrue(!errors.isEmpty() && errors.size() == result.get("error_count").asInt(), result.toPrettyString());
            assertTrue(errors.get(0).contains("victim"), errors.get(0));
        }
        JsonNode result = stack.rest().validate("PostgresSourceConnector", Fixtures.sourceConfig(stack, url,
                "victim", "inj_", "schema.pattern", "'" + DROP_VICTIM));
        assertTrue(result.get("error_count").asInt() >= 1, result.toPrettyString());

        // Deployed for real, the worker refuses the same config (it validates first).
        ConnectRestException refused = assertThrows(ConnectRestException.class, () -> deploy("inject-source",
                Fixtures.sourceConfig(stack, url, "\"victim\"\"" + DROP_VICTIM + "\"", "inj_")));
        assertEquals(400, refused.statusCode(), refused.getMessage());
    }

    /**
     * A type a record's schema names for a column of another type's text output: created as that type only when the
     * database reads the name as one; a name it refuses (syntax, a modifier the type does not take, a definition
     * smuggled after the name) gives a text column, and the table is still created and written.
     */
    @Test
    void typeNamesFromRecordsReachTheTableOnlyAsTypesTheDatabaseReads() {
        List<String> named = List.of("inet", "bit(0)", "a b", "int, x int", "text CHECK (false)", "int4(5)",
                "integer); DROP TABLE victim; --", "bit(3)");
        SchemaBuilder builder = SchemaBuilder.struct().name("Typed").field("id", Schema.INT64_SCHEMA);
        for (int i = 0; i < named.size(); i++) {
            builder.field("c" + i, SchemaBuilder.string().name("io.tablestream.data.PgText")
                    .parameter("io.tablestream.pg.type", named.get(i)).optional().build());
        }
        Schema schema = builder.build();
        Struct row = new Struct(schema).put("id", 1L).put("c0", "10.0.0.1").put("c7", "101");
        for (int i = 1; i < named.size() - 1; i++) {
            row.put("c" + i, "value " + i);
        }
        String topic = "typed_from_records";
        stack.kafka().createTopic(topic, 1);
        Fixtures.produce(stack.kafka().bootstrapServers(), topic, schema, List.of(row));
        deploy("typed-sink", ConnectorConfigs.sink(stack, url, topic, "auto.create", "true"));
        await("the row written", 1L, () -> Fixtures.count(db, topic), TIMEOUT);
        assertEquals(List.of(List.of("c0", "inet"), List.of("c1", "text"), List.of("c2", "text"), List.of("c3", "text"),
                        List.of("c4", "text"), List.of("c5", "text"), List.of("c6", "text"), List.of("c7", "bit(3)")),
                rows(db, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                        + " WHERE attrelid = '" + topic + "'::regclass AND attnum > 1 ORDER BY attnum"));
        assertEquals(List.of(List.of("10.0.0.1", "value 4", "101")),
                rows(db, "SELECT c0, c4, c7 FROM " + topic));
    }

    @Test
    void namesOver63BytesFailNamingTheFieldAndTheLimit() {
        String longAscii = "f".repeat(64);
        String longUnicode = "é".repeat(32); // 32 characters, 64 bytes in UTF-8
        for (String field : List.of(longAscii, longUnicode)) {
            Schema schema = SchemaBuilder.struct().name("Long").field("id", Schema.INT64_SCHEMA)
                    .field(field, Schema.OPTIONAL_STRING_SCHEMA).build();
            String topic = "long_field_" + field.length();
            stack.kafka().createTopic(topic, 1);
            Fixtures.produce(stack.kafka().bootstrapServers(), topic, schema,
                    List.of(new Struct(schema).put("id", 1L).put(field, "x")));
            String name = "long-field-" + field.length();
            deploy(name, ConnectorConfigs.sink(stack, url, topic, "auto.create", "true"));
            String trace = Fixtures.awaitTaskFailed(stack.rest(), name);
            assertTrue(trace.contains(field) && trace.contains(topic) && trace.contains("63-byte"), trace);
        }
        String topic = "long_table";
        Schema schema = SchemaBuilder.struct().name("Short").field("id", Schema.INT64_SCHEMA).build();
        stack.kafka().createTopic(topic, 1);
        Fixtures.produce(stack.kafka().bootstrapServers(), topic, schema, List.of(new Struct(schema).put("id", 1L)));
        deploy("long-table", ConnectorConfigs.sink(stack, url, topic, "auto.create", "true",
                "table.name.format", "${topic}_" + "t".repeat(60)));
        String trace = Fixtures.awaitTaskFailed(stack.rest(), "long-table");
        assertTrue(trace.contains("table.name.format") && trace.contains("63-byte"), trace);
        assertEquals(List.of(), rows(db, "SELECT attname FROM pg_attribute WHERE attname LIKE 'ffffffffff%'"
                + " OR attname LIKE 'éééééééééé%' UNION ALL SELECT relname FROM pg_class WHERE relname LIKE '%tttttttttt%'"),
                "no truncated column or table was created");
    }
}
