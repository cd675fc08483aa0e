package io.tablestream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

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
    void missingConnectionUrlIsReportedOnThatField() {
        Map<String, String> config = validSource();
        config.remove("connection.url");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertEquals(1, result.get("error_count").asInt(), result.toPrettyString());
        assertTrue(errors(result, "connection.url").get(0).contains("connection.url"), result.toPrettyString());
    }

    @Test
    void unknownModeIsReportedOnModeWithTheAllowedValues() {
        Map<String, String> config = validSource();
        config.put("mode", "sometimes");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertEquals(1, result.get("error_count").asInt(), result.toPrettyString());
        String error = errors(result, "mode").get(0);
        assertTrue(error.contains("sometimes") && error.contains("timestamp+incrementing"), error);
    }

    @Test
    void aModeWithoutItsColumnIsReportedOnTheColumnField() {
        Map<String, String> config = validSource();
        config.put("mode", "timestamp+incrementing");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertEquals(1, result.get("error_count").asInt(), result.toPrettyString());
        assertTrue(errors(result, "timestamp.column.name").get(0).contains("updated_at"), result.toPrettyString());
    }

    @Test
    void upsertWithoutPrimaryKeyIsReportedOnInsertMode() {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.tablestream.sink.PostgresSinkConnector");
        config.put("topics", "orders");
        config.put("connection.url", "jdbc:postgresql://localhost:5432/shop");
        config.put("insert.mode", "upsert");
        config.put("pk.mode", "none");
        JsonNode result = stack.rest().validate("PostgresSinkConnector", config);
        assertEquals(1, result.get("error_count").asInt(), result.toPrettyString());
        assertTrue(errors(result, "insert.mode").get(0).contains("pk.mode"), result.toPrettyString());
    }

    @Test
    void kafkaPrimaryKeyWithTwoFieldsIsReportedOnPkFields() {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.tablestream.sink.PostgresSinkConnector");
        config.put("topics", "orders");
        config.put("connection.url", "jdbc:postgresql://localhost:5432/shop");
        config.put("pk.mode", "kafka");
        config.put("pk.fields", "topic,offset");
        JsonNode result = stack.rest().validate("PostgresSinkConnector", config);
        assertEquals(1, result.get("error_count").asInt(), result.toPrettyString());
        assertTrue(errors(result, "pk.fields").get(0).contains("exactly three names"), result.toPrettyString());
    }

    private static List<String> errors(JsonNode validation, String field) {
        JsonNode entry = StreamSupport.stream(validation.get("configs").spliterator(), false)
                .map(c -> c.get("value"))
                .filter(v -> field.equals(v.get("name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no field " + field + " in " + validation));
        return StreamSupport.stream(entry.get("errors").spliterator(), false).map(JsonNode::asText).toList();
    }
}
