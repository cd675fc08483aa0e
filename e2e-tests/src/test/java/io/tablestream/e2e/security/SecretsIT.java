package io.tablestream.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.e2e.LogCapture;
import io.tablestream.e2e.ValidationErrors;
import io.tablestream.e2e.reliability.Fixtures;
import io.tablestream.testkit.ConnectRestClient;
import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.ConnectWorker;
import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.logging.log4j.core.LogEvent;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.reliability.Fixtures.TIMEOUT;
import static io.tablestream.e2e.reliability.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code connection.password} never shows: not in any log line of the worker (all loggers, captured in this JVM,
 * with their exceptions), not in {@code GET /connectors/{name}/config} of a worker with a config provider, not in
 * validation answers, not in a task's failure trace. The embedded PostgreSQL trusts local connections, so this test
 * gives one role a password and makes pg_hba.conf demand it (scram-sha-256) for that role only.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsIT {

    private static final String DB = "secrets_it";
    private static final String ROLE = "secret_user";
    private static final String PASSWORD = "S3cret-Pw-7f3a9c";
    private static final String WRONG_PASSWORD = "Wr0ng-Pw-b21e44";

    private final Stack stack;
    private LogCapture logs;
    private Path hbaFile;
    private String originalHba;
    private Path secretsFile;
    private ConnectWorker worker;
    private String url;
    private Jdbi db;

    SecretsIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeAll
    void setUp() throws IOException {
        Assumptions.assumeTrue(stack.postgres().isEmbedded(), "needs the embedded server to edit pg_hba.conf");
        logs = LogCapture.everything();
        url = stack.postgres().createDatabase(DB);
        db = Jdbi.create(() -> stack.postgres().connect(DB));
        db.useHandle(h -> {
            h.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + ROLE + "') THEN"
                    + " CREATE ROLE " + ROLE + " LOGIN; END IF; END $$");
            h.execute("ALTER ROLE " + ROLE + " PASSWORD '" + PASSWORD + "'");
            h.execute("ALTER SCHEMA public OWNER TO " + ROLE);
            h.execute("CREATE TABLE src (id bigint PRIMARY KEY, note text); ALTER TABLE src OWNER TO " + ROLE);
            h.execute("INSERT INTO src SELECT g, 'n' || g FROM generate_series(1, 10) g");
            hbaFile = Path.of(h.createQuery("SHOW hba_file").mapTo(String.class).one());
        });
        originalHba = Files.readString(hbaFile);
        Files.writeString(hbaFile, "host all " + ROLE + " 127.0.0.1/32 scram-sha-256\n"
                + "host all " + ROLE + " ::1/128 scram-sha-256\n" + originalHba);
        reloadConfig();

        secretsFile = Files.createTempFile("tablestream-secrets-", ".properties");
        Files.writeString(secretsFile, "pg.password=" + PASSWORD + "\npg.wrong=" + WRONG_PASSWORD + "\n");
        worker = ConnectWorker.start(stack.kafka().bootstrapServers(), Map.of(
                "group.id", "secrets-it-connect",
                "config.providers", "file",
                "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider"));
    }

    @AfterAll
    void tearDown() throws IOException {
        if (worker != null) {
            worker.stop();
        }
        if (originalHba != null) {
            Files.writeString(hbaFile, originalHba);
            reloadConfig();
        }
        if (secretsFile != null) {
            Files.deleteIfExists(secretsFile);
        }
        logs.close();
        assertTrue(logs.events().size() > 10, "the worker's log was captured");
        for (LogEvent event : logs.events()) {
            String text = event.getMessage().getFormattedMessage() + stackTrace(event.getThrown());
            assertFalse(text.contains(PASSWORD) || text.contains(WRONG_PASSWORD),
                    () -> "a password in the log (" + event.getLoggerName() + "): " + text);
        }
    }

    private void reloadConfig() {
        db.useHandle(h -> assertTrue(h.createQuery("SELECT pg_reload_conf()").mapTo(Boolean.class).one()));
    }

    private String placeholder(String key) {
        return "${file:" + secretsFile + ":" + key + "}";
    }

    @Test
    void aPasswordFromAConfigProviderIsUsedButNeverShown() {
        ConnectRestClient rest = worker.rest();
        Map<String, String> source = Fixtures.sourceConfig(stack, url, "src", "secrets.",
                "connection.user", ROLE, "connection.password", placeholder("pg.password"));
        Map<String, String> sink = ConnectorConfigs.sink(stack, url, "secrets.src", "connection.user", ROLE,
                "connection.password", placeholder("pg.password"), "table.name.format", "dst", "auto.create", "true");
        rest.createOrUpdateConnector("secrets-source", source);
        rest.createOrUpdateConnector("secrets-sink", sink);
        try {
            await("rows copied with the provided password", List.of(),
                    () -> Fixtures.difference(db, "SELECT id, note FROM src", "SELECT id, note FROM dst"), TIMEOUT);
            for (String name : List.of("secrets-source", "secrets-sink")) {
                assertEquals(placeholder("pg.password"), rest.connectorConfig(name).get("connection.password"));
                String everything = rest.send("GET", "/connectors/" + name, null, TIMEOUT).body()
                        + rest.send("GET", "/connectors/" + name + "/config", null, TIMEOUT).body()
                        + rest.send("GET", "/connectors/" + name + "/status", null, TIMEOUT).body()
                        + rest.send("GET", "/connectors/" + name + "/tasks", null, TIMEOUT).body();
                assertFalse(everything.contains(PASSWORD), everything);
            }
        } finally {
            rest.deleteConnectorIfExists("secrets-source");
            rest.deleteConnectorIfExists("secrets-sink");
        }
    }

    @Test
    void aWrongPasswordFailsWithoutShowingIt() {
        // Validation (source checks the database): the error sits on connection.password, without the value.
        JsonNode validation = stack.rest().validate("PostgresSourceConnector", Fixtures.sourceConfig(stack, url, "src",
                "secrets.", "connection.user", ROLE, "connection.password", WRONG_PASSWORD));
        List<String> errors = ValidationErrors.errors(validation, "connection.password");
        assertEquals(1, errors.size(), validation.toPrettyString());
        assertFalse(validation.toString().contains(WRONG_PASSWORD), validation.toPrettyString());
        ConnectRestException refused = assertThrows(ConnectRestException.class, () -> stack.rest()
                .createOrUpdateConnector("secrets-refused", Fixtures.sourceConfig(stack, url, "src", "secrets.",
                        "connection.user", ROLE, "connection.password", WRONG_PASSWORD)));
        assertEquals(400, refused.statusCode());
        assertFalse(refused.getMessage().contains(WRONG_PASSWORD), refused.getMessage());

        // A sink task (no database check at validation) fails on its first write: the trace names the cause only.
        Schema schema = SchemaBuilder.struct().name("Row").field("id", Schema.INT64_SCHEMA).build();
        stack.kafka().createTopic("secrets_wrong", 1);
        Fixtures.produce(stack.kafka().bootstrapServers(), "secrets_wrong", schema,
                List.of(new Struct(schema).put("id", 1L)));
        worker.rest().createOrUpdateConnector("secrets-wrong-sink", ConnectorConfigs.sink(stack, url, "secrets_wrong",
                "connection.user", ROLE, "connection.password", placeholder("pg.wrong"), "auto.create", "true"));
        try {
            String trace = Fixtures.awaitTaskFailed(worker.rest(), "secrets-wrong-sink");
            assertTrue(trace.contains("password authentication failed") || trace.contains("28P01"), trace);
            assertFalse(trace.contains(WRONG_PASSWORD) || trace.contains(PASSWORD), trace);
            String status = worker.rest().send("GET", "/connectors/secrets-wrong-sink/status", null, TIMEOUT).body();
            assertFalse(status.contains(WRONG_PASSWORD), status);
        } finally {
            worker.rest().deleteConnectorIfExists("secrets-wrong-sink");
        }
    }

    private static String stackTrace(Throwable thrown) {
        if (thrown == null) {
            return "";
        }
        StringWriter out = new StringWriter();
        thrown.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
