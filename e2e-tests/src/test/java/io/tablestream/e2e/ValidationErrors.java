package io.tablestream.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reads the errors of a validate answer ({@code PUT /connector-plugins/{plugin}/config/validate}). */
public final class ValidationErrors {

    private ValidationErrors() {
    }

    /** The answer's value entry of {@code field} (name, value, errors, visible, ...); fails when it has none. */
    public static JsonNode field(JsonNode validation, String field) {
        return StreamSupport.stream(validation.get("configs").spliterator(), false)
                .map(c -> c.get("value"))
                .filter(v -> field.equals(v.get("name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no field " + field + " in " + validation));
    }

    /** The errors on {@code field}; fails when the answer has no such field. */
    public static List<String> errors(JsonNode validation, String field) {
        JsonNode entry = field(validation, field);
        return StreamSupport.stream(entry.get("errors").spliterator(), false).map(JsonNode::asText).toList();
    }

    /** The one error of the whole validation, which must be on {@code field}. */
    public static String onlyError(JsonNode validation, String field) {
        assertEquals(1, validation.get("error_count").asInt(), validation.toPrettyString());
        List<String> errors = errors(validation, field);
        assertEquals(1, errors.size(), validation.toPrettyString());
        return errors.get(0);
    }
}
