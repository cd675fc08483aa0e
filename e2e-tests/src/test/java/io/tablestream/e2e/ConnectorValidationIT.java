package io.tablestream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.Map;

import static io.tablestream.e2e.ValidationErrors.onlyError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad connector configs get their error on the exact field, through the worker's validate endpoint. */
@ExtendWith(TablestreamStack.class)
record ConnectorValidationIT(Stack stack) {

    private Map<String, String> validSource() {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.tablestream.source.PostgresSourceConnector");
        config.put("connection.url", "jdbc:postgresql://localhost:5432/shop");
        config.put("table.include.list", "orders");
        config.put("mode", "incrementing");
        config.put("incrementing.column.name", "id");
        return config;
    }

    /** A sink config for topic orders on an unchecked URL, with {@code settings} (key, value, ...) added. */
    private static Map<String, String> sink(String... settings) {
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", "io.tablestream.sink.PostgresSinkConnector",
                "topics", "orders",
                "connection.url", "jdbc:postgresql://localhost:5432/shop"));
        return ConnectorConfigs.with(config, settings);
    }

    @Test
    void aValidSourceConfigHasNoErrors() {
        // A config without static errors is also checked against the database, so it must name a real one.
        String url = stack.postgres().createDatabase("connector_validation_it");
        org.jdbi.v3.core.Jdbi.create(() -> stack.postgres().connect("connector_validation_it"))
                .useHandle(h -> h.execute("CREATE TABLE orders (id bigserial PRIMARY KEY)"));
        Map<String, String> config = validSource();
        config.put("connection.url", url);
        config.put("connection.user", stack.postgres().user());
        config.put("connection.password", stack.postgres().passwordOrEmpty());
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertEquals(0, result.get("error_count").asInt(), result.toPrettyString());
    }

    @Test
    void optionsTheModeDoesNotReadAreNotVisible() {
        Map<String, String> config = validSource();
        config.put("mode", "cdc");
        config.remove("incrementing.column.name");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertEquals(true, ValidationErrors.field(result, "slot.name").get("visible").asBoolean());
        assertEquals(false, ValidationErrors.field(result, "poll.interval.ms").get("visible").asBoolean());
        assertEquals(false, ValidationErrors.field(result, "incrementing.column.name").get("visible").asBoolean());
    }

    @Test
    void missingConnectionUrlIsReportedOnThatField() {
        Map<String, String> config = validSource();
        config.remove("connection.url");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertTrue(onlyError(result, "connection.url").contains("connection.url"), result.toPrettyString());
    }

    @Test
    void unknownModeIsReportedOnModeWithTheAllowedValues() {
        Map<String, String> config = validSource();
        config.put("mode", "sometimes");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        String error = onlyError(result, "mode");
        assertTrue(error.contains("sometimes") && error.contains("timestamp+incrementing"), error);
    }

    @Test
    void aModeWithoutItsColumnIsReportedOnTheColumnField() {
        Map<String, String> config = validSource();
        config.put("mode", "timestamp+incrementing");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertTrue(onlyError(result, "timestamp.column.name").contains("updated_at"), result.toPrettyString());
    }

    @Test
    void upsertWithoutPrimaryKeyIsReportedOnInsertMode() {
        JsonNode result = stack.rest().validate("PostgresSinkConnector",
                sink("insert.mode", "upsert", "pk.mode", "none"));
        assertTrue(onlyError(result, "insert.mode").contains("pk.mode"), result.toPrettyString());
    }

    @Test
    void kafkaPrimaryKeyWithTwoFieldsIsReportedOnPkFields() {
        JsonNode result = stack.rest().validate("PostgresSinkConnector",
                sink("pk.mode", "kafka", "pk.fields", "topic,offset"));
        assertTrue(onlyError(result, "pk.fields").contains("exactly three names"), result.toPrettyString());
    }
}
