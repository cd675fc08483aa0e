package io.tablestream.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
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
class ConfigFuzzIT {

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

    private final Stack stack;

    ConfigFuzzIT(Stack stack) {
        this.stack = stack;
    }

    @Test
    void everyInvalidConfigGetsA200WithAnErrorOnTheBrokenField() {
        String url = stack.postgres().createDatabase("config_fuzz_it");
        Jdbi.create(() -> stack.postgres().connect("config_fuzz_it")).useHandle(h -> h.execute(
                "CREATE TABLE orders (id bigserial PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT now())"));
        Map<String, String> source = Fixtures.sourceConfig(stack, url, "orders", "fuzz.");
        Map<String, String> sink = Fixtures.sinkConfig(stack, url, "orders");
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

    private static List<Mutation> sourceMutations() {
        return List.of(
                Mutation.set("wrong type", "poll.interval.ms", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "batch.max.rows", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "table.poll.interval.ms", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "timestamp.initial", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "connection.attempts", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "validate.non.null", ConfigFuzzIT::notABoolean),
                Mutation.set("wrong type", "slot.drop.on.stop", ConfigFuzzIT::notABoolean),
                Mutation.set("out of range", "poll.interval.ms", r -> Integer.toString(-r.nextInt(1000))),
                Mutation.set("out of range", "batch.max.rows", r -> Integer.toString(-r.nextInt(1000))),
                Mutation.set("out of range", "table.poll.interval.ms", r -> Integer.toString(r.nextInt(100))),
                Mutation.set("out of range", "connection.attempts", r -> Integer.toString(-r.nextInt(5))),
                Mutation.set("out of range", "connection.backoff.ms", ConfigFuzzIT::negative),
                Mutation.set("out of range", "timestamp.delay.interval.ms", ConfigFuzzIT::negative),
                Mutation.set("out of range", "heartbeat.interval.ms", ConfigFuzzIT::negative),
                Mutation.set("unknown enum", "mode", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "time.precision.mode", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "numeric.mapping", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "snapshot.mode", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "envelope", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "publication.autocreate.mode", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "table.types", r -> "TABLE," + word(r)),
                Mutation.set("unknown enum", "db.timezone", r -> "Mars/Phobos" + r.nextInt(100)),
                Mutation.set("missing required", "connection.url", r -> null),
                Mutation.set("missing required", "mode", r -> null),
                Mutation.set("malformed", "connection.url", r -> "mysql://localhost:" + r.nextInt(65536) + "/shop"),
                Mutation.set("malformed", "table.include.list", r -> "orders,(unclosed" + r.nextInt(10)),
                Mutation.set("contradiction", "incrementing.column.name", r -> ""),
                new Mutation("contradiction", "timestamp.column.name",
                        r -> Map.of("mode", r.nextBoolean() ? "timestamp" : "timestamp+incrementing")),
                new Mutation("contradiction", "query", r -> Map.of("mode", "query")));
    }

    private static List<Mutation> sinkMutations() {
        return List.of(
                Mutation.set("wrong type", "batch.size", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "max.retries", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "retry.backoff.ms", ConfigFuzzIT::notANumber),
                Mutation.set("wrong type", "delete.enabled", ConfigFuzzIT::notABoolean),
                Mutation.set("wrong type", "auto.create", ConfigFuzzIT::notABoolean),
                Mutation.set("wrong type", "auto.evolve", ConfigFuzzIT::notABoolean),
                Mutation.set("wrong type", "exactly.once", ConfigFuzzIT::notABoolean),
                Mutation.set("out of range", "batch.size", r -> Integer.toString(-r.nextInt(1000))),
                Mutation.set("out of range", "max.retries", r -> Integer.toString(-1 - r.nextInt(1000))),
                Mutation.set("out of range", "retry.backoff.ms", ConfigFuzzIT::negative),
                Mutation.set("out of range", "connection.attempts", r -> Integer.toString(-r.nextInt(5))),
                Mutation.set("unknown enum", "insert.mode", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "write.method", ConfigFuzzIT::word),
                Mutation.set("unknown enum", "pk.mode", ConfigFuzzIT::word),
                Mutation.set("missing required", "connection.url", r -> null),
                Mutation.set("empty", "table.name.format", r -> ""),
                Mutation.set("malformed", "connection.url", r -> "jdbc:mysql://localhost:" + r.nextInt(65536) + "/x"),
                new Mutation("contradiction", "insert.mode", r -> Map.of(
                        "insert.mode", r.nextBoolean() ? "upsert" : "update", "pk.mode", "none")),
                new Mutation("contradiction", "pk.fields", r -> Map.of("pk.mode", "record_value", "pk.fields", "")),
                new Mutation("contradiction", "delete.enabled", r -> Map.of("delete.enabled", "true",
                        "pk.mode", r.nextBoolean() ? "none" : "record_value", "pk.fields", "id")));
    }
}
