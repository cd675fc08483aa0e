package io.tablestream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every ready-to-POST connector JSON in config/ passes the worker's validate endpoint (including the connectors'
 * checks against the database) once its ${env:...}/${file:...} placeholders are filled in, against the demo's shop
 * schema (config/shop-schema.sql) plus the tables the generic examples name.
 */
@ExtendWith(TablestreamStack.class)
record ConfigFilesIT(Stack stack) {

    private static final Path CONFIG = Path.of("..", "config");

    @Test
    void everyConnectorJsonInConfigValidates() throws Exception {
        String url = stack.postgres().createDatabase("config_files_it");
        try {
            Jdbi db = Jdbi.create(() -> stack.postgres().connect("config_files_it"));
            String schema = Files.readString(CONFIG.resolve("shop-schema.sql"));
            db.useHandle(h -> {
                h.createScript(schema).execute();
                h.execute("CREATE TABLE events (id bigserial PRIMARY KEY, payload text)"); // source-incrementing.json
            });
            List<Path> files;
            try (Stream<Path> listing = Files.list(CONFIG)) {
                files = listing.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            }
            assertTrue(files.stream().anyMatch(p -> p.endsWith("source-cdc.json")), "config/ holds " + files);
            List<String> failures = new ArrayList<>();
            for (Path file : files) {
                JsonNode connector = new ObjectMapper().readTree(file.toFile());
                Map<String, String> config = new LinkedHashMap<>();
                connector.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), fill(e.getValue().asText(), url)));
                config.put("name", connector.get("name").asText());
                String plugin = config.get("connector.class").substring(config.get("connector.class").lastIndexOf('.') + 1);
                JsonNode result = stack.rest().validate(plugin, config);
                if (result.get("error_count").asInt() != 0) {
                    failures.add(file.getFileName() + ": " + result.toPrettyString());
                }
            }
            assertEquals(List.of(), failures);
        } finally {
            stack.postgres().dropDatabase("config_files_it");
        }
    }

    /** What the worker's config providers would put in: this stack's database and credentials. */
    private String fill(String value, String url) {
        String password = stack.postgres().passwordOrEmpty();
        return value.replace("${env:TABLESTREAM_DB_URL}", url)
                .replace("${env:TABLESTREAM_PG_USER}", stack.postgres().user())
                .replace("${env:TABLESTREAM_PG_PASSWORD}", password)
                .replaceAll("\\$\\{file:[^}]*}", java.util.regex.Matcher.quoteReplacement(password));
    }
}
