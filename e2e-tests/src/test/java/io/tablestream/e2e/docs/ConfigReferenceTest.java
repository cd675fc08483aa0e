package io.tablestream.e2e.docs;

import io.tablestream.enricher.EnricherConfig;
import io.tablestream.sink.PostgresSinkConfig;
import io.tablestream.source.ModeScope;
import io.tablestream.source.PostgresSourceConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The configuration reference in docs/configuration/ is rendered from each component's ConfigDef, the single source
 * of every option's meaning: this test fails when a committed page differs from what the code renders. To update
 * the pages after changing an option: {@code mvn -pl e2e-tests -am test -Dtest=ConfigReferenceTest
 * -Dtablestream.docs.update=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConfigReferenceTest {

    private static final Path DOCS = Path.of(System.getProperty("tablestream.repo.root", ".."), "docs", "configuration");

    @Test
    void sourceConnectorPageIsUpToDate() throws IOException {
        check("source-connector.md", "Source connector configuration", "io.tablestream.source.PostgresSourceConnector",
                PostgresSourceConfig.CONFIG_DEF, ModeScope::describe);
    }

    @Test
    void sinkConnectorPageIsUpToDate() throws IOException {
        check("sink-connector.md", "Sink connector configuration", "io.tablestream.sink.PostgresSinkConnector",
                PostgresSinkConfig.CONFIG_DEF, null);
    }

    @Test
    void enricherPageIsUpToDate() throws IOException {
        check("enricher.md", "Enricher configuration", null, EnricherConfig.CONFIG_DEF, null);
    }

    private static void check(String file, String title, String connectorClass, ConfigDef def,
                              Function<String, String> modes) throws IOException {
        String rendered = render(title, connectorClass, def, modes);
        Path page = DOCS.resolve(file);
        if (Boolean.getBoolean("tablestream.docs.update")) {
            Files.createDirectories(DOCS);
            Files.writeString(page, rendered, StandardCharsets.UTF_8);
        }
        String committed = Files.exists(page) ? Files.readString(page, StandardCharsets.UTF_8) : "(missing)";
        assertEquals(rendered, committed, page + " is out of date with the ConfigDef; regenerate it with "
                + "-Dtablestream.docs.update=true (see ConfigReferenceTest)");
    }

    /**
     * Markdown: one table per group, in the ConfigDef's order; with {@code modes} (the source's modes that read an
     * option, see ModeScope) a column of them.
     */
    static String render(String title, String connectorClass, ConfigDef def, Function<String, String> modes) {
        Map<String, List<ConfigDef.ConfigKey>> groups = new LinkedHashMap<>();
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            if (key.internalConfig) {
                continue; // set by the connector for its tasks, never by users
            }
            groups.computeIfAbsent(key.group == null ? "Other" : key.group, g -> new ArrayList<>()).add(key);
        }
        groups.values().forEach(keys -> keys.sort((a, b) -> Integer.compare(a.orderInGroup, b.orderInGroup)));
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        md.append("<!-- Generated from the ConfigDef by ConfigReferenceTest; do not edit by hand. -->\n\n");
        if (connectorClass != null) {
            md.append("`connector.class`: `").append(connectorClass).append("`. Besides the options below, every Kafka Connect "
                    + "connector option applies (`tasks.max`, `errors.*`, `transforms`, `producer.override.*`, ...).\n\n");
        }
        for (Map.Entry<String, List<ConfigDef.ConfigKey>> group : groups.entrySet()) {
            md.append("## ").append(group.getKey()).append("\n\n");
            md.append("| option |").append(modes == null ? "" : " modes |")
                    .append(" type | default | valid values | importance | description |\n");
            md.append("|---|").append(modes == null ? "" : "---|").append("---|---|---|---|---|\n");
            for (ConfigDef.ConfigKey key : group.getValue()) {
                md.append("| `").append(key.name).append("` | ");
                if (modes != null) {
                    md.append(modes.apply(key.name)).append(" | ");
                }
                md.append(key.type.name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                        .append(defaultValue(key)).append(" | ")
                        .append(key.validator == null ? "" : cell(key.validator.toString())).append(" | ")
                        .append(key.importance == null ? "" : key.importance.name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                        .append(cell(key.documentation)).append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static String defaultValue(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        if (key.defaultValue == null) {
            return "(none)";
        }
        String text = key.type == ConfigDef.Type.PASSWORD ? "[hidden]" : ConfigDef.convertToString(key.defaultValue, key.type);
        return text == null || text.isEmpty() ? "\"\"" : "`" + cell(text) + "`";
    }

    private static String cell(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>");
    }
}
