package io.tablestream.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 200 generated invalid configs (fixed seed), half per connector, through {@code PUT
 * /connector-plugins/{plugin}/config/validate}: each answer is HTTP 200 (the client throws on anything else) with
 * errors on exactly the field that was broken, and no error reads like a stack trace.
 */
@ExtendWith(TablestreamStack.class)
record ConfigFuzzIT(Stack stack, ClassDatabase database) {

    private static final long SEED = 9L;
    private static final int CONFIGS = 200;

    /** One way to break a valid config: which field must carry the error, and the change. */
    private record Mutation(String kind, String field, Function<Random, Map<String, String>> change) {
        /** A change that sets the field to a generated value ({@code null} removes it). */
        static Mutation set(String kind, String field, Function<Random, String> value) {
            return new Mutation(kind, field, r -> {
                Map<String, String> m = new LinkedHashMap<>();
                m.put(field, value.apply(r));
                return m;
            });
        }
    }

    @Test
    void everyInvalidConfigGetsA200WithAnErrorOnTheBrokenField() {
        database.db().useHandle(h -> h.execute(
                "CREATE TABLE orders (id bigserial PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT now())"));
        Map<String, String> source = Fixtures.sourceConfig(stack, database.url(), "orders", "fuzz.");
        Map<String, String> sink = ConnectorConfigs.sink(stack, database.url(), "orders");
        assertEquals(0, stack.rest().validate("PostgresSourceConnector", source).get("error_count").asInt());
        assertEquals(0, stack.rest().validate("PostgresSinkConnector", sink).get("error_count").asInt());

        List<Mutation> sourceMutations = sourceMutations();
        List<Mutation> sinkMutations = sinkMutations();
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < CONFIGS; i++) {
            boolean isSource = i % 2 == 0;
            List<Mutation> mutations = isSource ? sourceMutations : sinkMutations;
            // Every mutation at least once, then random picks; values always random.
            Mutation mutation = i / 2 < mutations.size() ? mutations.get(i / 2) : mutations.get(random.nextInt(mutations.size()));
            Map<String, String> config = new LinkedHashMap<>(isSource ? source : sink);
            mutation.change().apply(random).forEach((k, v) -> {
                if (v == null) {
                    config.remove(k);
                } else {
                    config.put(k, v);
                }
            });
            String plugin = isSource ? "PostgresSourceConnector" : "PostgresSinkConnector";
            JsonNode result = stack.rest().validate(plugin, config);
            String problem = check(result, mutation.field());
            if (problem != null) {
                failures.add("#" + i + " " + plugin + " " + mutation.kind() + " " + config + ": " + problem);
            }
        }
        assertEquals(List.of(), failures);
    }

    /** null when the validation has errors on {@code field} only and none looks like a stack trace. */
    private static String check(JsonNode result, String field) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        for (JsonNode config : result.get("configs")) {
            JsonNode value = config.get("value");
            List<String> messages = StreamSupport.stream(value.get("errors").spliterator(), false)
                    .map(JsonNode::asText).toList();
            if (!messages.isEmpty()) {
                errors.put(value.get("name").asText(), messages);
            }
        }
        for (List<String> messages : errors.values()) {
            for (String message : messages) {
                if (message.contains("\tat ") || message.contains("Exception") || message.contains("java.lang.")) {
                    return "stack trace in an error: " + errors;
                }
            }
        }
        if (!errors.containsKey(field) || errors.size() != 1) {
            return "expected errors on " + field + " only, got " + errors;
        }
        assertTrue(result.get("error_count").asInt() >= 1, result.toString());
        assertFalse(errors.get(field).get(0).isBlank(), result.toString());
        return null;
    }

    private static String word(Random r) {
        String[] words = {"sometimes", "UPSERTS", "", " ", "ins ert", "0", "-1", "true", "null", "ü", "copy;drop",
                "${env:NOPE}", "[]", "{}"};
        return words[r.nextInt(words.length)] + (r.nextBoolean() ? "" : Integer.toString(r.nextInt(1000)));
    }

    private static String notANumber(Random r) {
        String[] values = {"abc", "1.5", "1e3", "ten", "0x10", "--1", "", "9".repeat(25), "NaN"};
        return values[r.nextInt(values.length)];
    }

    private static String notABoolean(Random r) {
        String[] values = {"yes", "no", "1", "0", "maybe", "tru", "on", ""};
        return values[r.nextInt(values.length)];
    }

    private static String negative(Random r) {
        return Long.toString(-1 - r.nextInt(1_000_000));
    }

    /** The same kind of change, with values from {@code value}, to each of {@code fields}. */
    private static List<Mutation> each(String kind, Function<Random, String> value, String... fields) {
        return Arrays.stream(fields).map(field -> Mutation.set(kind, field, value)).toList();
    }

    /** A whole number of magnitude below {@code bound}: never negative, or for {@code negate} never positive. */
    private static Function<Random, String> upTo(int bound, boolean negate) {
        return r -> Integer.toString(negate ? -r.nextInt(bound) : r.nextInt(bound));
    }

    @SafeVarargs
    private static List<Mutation> concat(List<Mutation>... lists) {
        return Arrays.stream(lists).flatMap(List::stream).toList();
    }

    private static List<Mutation> sourceMutations() {
        return concat(
                each("wrong type", ConfigFuzzIT::notANumber, "poll.interval.ms", "batch.max.rows",
                        "table.poll.interval.ms", "timestamp.initial", "connection.attempts"),
                each("wrong type", ConfigFuzzIT::notABoolean, "validate.non.null", "slot.drop.on.stop"),
                each("out of range", upTo(1000, true), "poll.interval.ms", "batch.max.rows"),
                each("out of range", upTo(100, false), "table.poll.interval.ms"),
                each("out of range", upTo(5, true), "connection.attempts"),
                each("out of range", ConfigFuzzIT::negative, "connection.backoff.ms", "timestamp.delay.interval.ms",
                        "heartbeat.interval.ms"),
                each("unknown enum", ConfigFuzzIT::word, "mode", "time.precision.mode", "numeric.mapping",
                        "snapshot.mode", "envelope", "publication.autocreate.mode"),
                each("unknown enum", r -> "TABLE," + word(r), "table.types"),
                each("unknown enum", r -> "Mars/Phobos" + r.nextInt(100), "db.timezone"),
                each("missing required", r -> null, "connection.url", "mode"),
                each("malformed", r -> "mysql://localhost:" + r.nextInt(65536) + "/shop", "connection.url"),
                each("malformed", r -> "orders,(unclosed" + r.nextInt(10), "table.include.list"),
                each("contradiction", r -> "", "incrementing.column.name"),
                // The older name beside the current one (table.include.list=orders), with other entries.
                each("contradiction", r -> "customers" + r.nextInt(10), "table.whitelist"),
                List.of(new Mutation("contradiction", "timestamp.column.name",
                                r -> Map.of("mode", r.nextBoolean() ? "timestamp" : "timestamp+incrementing")),
                        new Mutation("contradiction", "query", r -> Map.of("mode", "query"))));
    }

    private static List<Mutation> sinkMutations() {
        return concat(
                each("wrong type", ConfigFuzzIT::notANumber, "batch.size", "max.retries", "retry.backoff.ms"),
                each("wrong type", ConfigFuzzIT::notABoolean, "delete.enabled", "auto.create", "auto.evolve",
                        "exactly.once"),
                each("out of range", upTo(1000, true), "batch.size"),
                each("out of range", r -> Integer.toString(-1 - r.nextInt(1000)), "max.retries"),
                each("out of range", ConfigFuzzIT::negative, "retry.backoff.ms"),
                each("out of range", upTo(5, true), "connection.attempts"),
                each("unknown enum", ConfigFuzzIT::word, "insert.mode", "write.method", "pk.mode"),
                each("missing required", r -> null, "connection.url"),
                each("empty", r -> "", "table.name.format"),
                each("malformed", r -> "jdbc:mysql://localhost:" + r.nextInt(65536) + "/x", "connection.url"),
                List.of(new Mutation("contradiction", "insert.mode", r -> Map.of(
                                "insert.mode", r.nextBoolean() ? "upsert" : "update", "pk.mode", "none")),
                        new Mutation("contradiction", "pk.fields", r -> Map.of("pk.mode", "record_value",
                                "pk.fields", "")),
                        new Mutation("contradiction", "delete.enabled", r -> Map.of("delete.enabled", "true",
                                "pk.mode", r.nextBoolean() ? "none" : "record_value", "pk.fields", "id")),
                        // The older name beside the current one, with other fields.
                        new Mutation("contradiction", "fields.whitelist", r -> Map.of("fields.include.list", "id",
                                "fields.whitelist", "updated_at"))));
    }
}
