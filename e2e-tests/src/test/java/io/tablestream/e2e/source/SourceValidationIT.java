package io.tablestream.e2e.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.e2e.LogCapture;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static io.tablestream.e2e.ValidationErrors.onlyError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** validate() asks the database and pins each problem to the field to change, saying what to do. */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
record SourceValidationIT(Stack stack, ClassDatabase database) {

    private static final String PLUGIN = "PostgresSourceConnector";

    @BeforeAll
    void createTables() {
        database.db().useHandle(h -> h.execute("""
                CREATE TABLE orders (id bigserial PRIMARY KEY, note text, updated_at timestamptz NOT NULL DEFAULT now(),
                                     loose_id int);
                CREATE SCHEMA sales;
                CREATE TABLE sales.invoices (id int PRIMARY KEY, updated_at timestamptz NOT NULL)"""));
    }

    private Map<String, String> valid() {
        Map<String, String> config = new HashMap<>();
        config.put("connection.url", database.url());
        config.put("connection.user", stack.postgres().user());
        config.put("connection.password", stack.postgres().passwordOrEmpty());
        config.put("table.include.list", "orders,sales.invoices");
        config.put("mode", "timestamp+incrementing");
        config.put("incrementing.column.name", "id");
        config.put("timestamp.column.name", "updated_at");
        return config;
    }

    private JsonNode validate(Map<String, String> config) {
        return stack.rest().validate(PLUGIN, config);
    }

    @Test
    void aConfigThatFitsTheDatabaseHasNoErrors() {
        JsonNode result = validate(valid());
        assertEquals(0, result.get("error_count").asInt(), result.toPrettyString());
        Map<String, String> regex = valid();
        regex.put("table.include.list", "sales\\..*,ord.*");
        assertEquals(0, validate(regex).get("error_count").asInt());
    }

    /** A user who switched modes learns at start, in the worker's log, which of their settings no longer apply. */
    @Test
    void aStartedConnectorWarnsOfEachSettingItsModeDoesNotRead() {
        String name = "source-validation-unread-options";
        Map<String, String> config = ConnectorConfigs.with(ConnectorConfigs.source(stack, database.url(), "unread-"),
                valid());
        config.put("slot.name", "left_from_cdc");
        config.put("snapshot.mode", "initial");
        try (LogCapture logs = LogCapture.capture()) {
            stack.rest().createOrUpdateConnector(name, config);
            stack.rest().awaitRunning(name, Duration.ofSeconds(60));
            List<String> warnings = logs.messages(Level.WARN).stream()
                    .filter(m -> m.contains("mode=timestamp+incrementing does not read it")).sorted().toList();
            assertEquals(2, warnings.size(), String.join("\n", warnings));
            assertTrue(warnings.get(0).startsWith("slot.name is set") && warnings.get(0).contains("mode cdc"),
                    warnings.get(0));
            assertTrue(warnings.get(1).startsWith("snapshot.mode is set"), warnings.get(1));
        } finally {
            stack.rest().deleteConnectorIfExists(name);
        }
    }

    @Test
    void anUnreachableDatabaseIsReportedOnTheUrl() {
        Map<String, String> config = valid();
        config.put("connection.url", "jdbc:postgresql://127.0.0.1:1/nowhere");
        String error = onlyError(validate(config), "connection.url");
        assertTrue(error.contains("Cannot connect") && error.contains("check the host, port"), error);
    }

    @Test
    void refusedCredentialsAreReportedOnThePassword() {
        Map<String, String> config = valid();
        config.put("connection.user", "no_such_role");
        String error = onlyError(validate(config), "connection.password");
        assertTrue(error.contains("no_such_role") && error.contains("fix connection.user"), error);
    }

    @Test
    void aMissingTableIsReportedOnTheIncludeList() {
        Map<String, String> config = valid();
        config.put("table.include.list", "orders,nosuch,archive_.*");
        String error = onlyError(validate(config), "table.include.list");
        assertTrue(error.contains("table.include.list names public.nosuch") && error.contains("does not exist")
                && error.contains("remove it from the list"), error);
    }

    /** A pattern may match tables that do not exist yet: the connector waits for them (see SourceModesIT). */
    @Test
    void anIncludePatternMatchingNoTableYetIsAccepted() {
        Map<String, String> config = valid();
        config.put("table.include.list", "archive_.*");
        assertEquals(0, validate(config).get("error_count").asInt());
    }

    @Test
    void missingAndUnusableColumnsAreReportedOnTheirFields() {
        Map<String, String> missing = valid();
        missing.put("table.include.list", "orders");
        missing.put("incrementing.column.name", "nope");
        String error = onlyError(validate(missing), "incrementing.column.name");
        assertTrue(error.contains("public.orders has no such column") && error.contains("leave this table out"), error);

        Map<String, String> wrongType = valid();
        wrongType.put("table.include.list", "orders");
        wrongType.put("timestamp.column.name", "note");
        error = onlyError(validate(wrongType), "timestamp.column.name");
        assertTrue(error.contains("has type text") && error.contains("choose another column"), error);

        Map<String, String> nullable = valid();
        nullable.put("table.include.list", "orders");
        nullable.put("incrementing.column.name", "loose_id");
        error = onlyError(validate(nullable), "incrementing.column.name");
        assertTrue(error.contains("validate.non.null=false"), error);
    }

    @Test
    void queryModeNeedsAQueryThatParses() {
        Map<String, String> config = valid();
        config.put("mode", "query");
        String error = onlyError(validate(config), "query");
        assertTrue(error.contains("mode=query needs the SELECT"), error);
        config.put("query", "SELECT id, nosuch FROM orders");
        error = onlyError(validate(config), "query");
        assertTrue(error.contains("nosuch") && error.contains("fix the SELECT"), error);
        config.put("query", "SELECT o.id, o.note FROM orders o;");
        assertEquals(0, validate(config).get("error_count").asInt());
    }

    /** Confluent's query with an incremental mode reads the query; in bulk mode it is refused, not ignored. */
    @Test
    void aQueryWithAnIncrementalModeIsCheckedAndWithBulkRefused() {
        for (String mode : List.of("incrementing", "timestamp", "timestamp+incrementing")) {
            Map<String, String> config = valid();
            config.put("mode", mode);
            config.put("table.include.list", "");
            config.put("query", "SELECT o.id, o.updated_at, o.note FROM orders o");
            assertEquals(0, validate(config).get("error_count").asInt(), mode);
        }
        Map<String, String> missing = valid();
        missing.put("query", "SELECT o.id, o.note FROM orders o");
        String error = onlyError(validate(missing), "timestamp.column.name");
        assertTrue(error.contains("no such column") && error.contains("[id, note]"), error);

        Map<String, String> bulk = valid();
        bulk.put("mode", "bulk");
        bulk.put("query", "SELECT id FROM orders");
        error = onlyError(validate(bulk), "query");
        assertTrue(error.contains("mode=bulk") && error.contains("mode=query"), error);
    }

    /** Confluent JDBC source keys: honoured, refused naming the fix, or accepted and ignored (logged at start). */
    @Test
    void confluentKeysAreRefusedWhereTheirMeaningIsNotOffered() {
        Map<String, String> refused = Map.of("dialect.name", "SqlServerDatabaseDialect", "quote.sql.identifiers", "never",
                "timestamp.granularity", "nanos_long", "transaction.isolation.mode", "SQL_SERVER_SNAPSHOT",
                "timestamp.column.name", "updated_at,created_at");
        for (Map.Entry<String, String> entry : refused.entrySet()) {
            Map<String, String> config = valid();
            config.put(entry.getKey(), entry.getValue());
            String error = onlyError(validate(config), entry.getKey());
            assertTrue(error.contains(entry.getValue()), error);
        }
        Map<String, String> accepted = valid();
        accepted.putAll(Map.of("dialect.name", "PostgreSqlDatabaseDialect", "quote.sql.identifiers", "always",
                "timestamp.granularity", "connect_logical", "transaction.isolation.mode", "READ_COMMITTED",
                "catalog.pattern", "source_validation_it", "numeric.precision.mapping", "true",
                "query.retry.attempts", "3", "table.monitoring.startup.polling.limit.ms", "5000"));
        JsonNode result = validate(accepted);
        assertEquals(0, result.get("error_count").asInt(), result.toPrettyString());
        for (String key : accepted.keySet()) {
            assertTrue(StreamSupport.stream(result.get("configs").spliterator(), false)
                    .anyMatch(c -> key.equals(c.get("definition").get("name").asText())), key + " is not a defined key");
        }
    }
}
