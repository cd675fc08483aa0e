package io.tablestream.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;

/**
 * JSON text of the connectors' own small values: signal payloads, offsets and headers that must hold text. Jackson
 * comes with every Connect worker (its JsonConverter), so the plugin jars do not carry it.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private Json() {
    }

    /** Maps, lists, strings, numbers, booleans and null; IllegalArgumentException saying where the text is not JSON. */
    public static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        }
    }

    /** A JSON array of strings. */
    public static List<String> parseStrings(String text) {
        try {
            return MAPPER.readValue(text, STRINGS);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot write as JSON: " + value, e);
        }
    }

    private static IllegalArgumentException notJson(JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " at character " + (e.getLocation().getCharOffset() + 1);
        return new IllegalArgumentException("not JSON" + where + ": " + e.getOriginalMessage(), e);
    }
}
