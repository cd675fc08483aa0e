package io.tablestream.e2e.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import io.tablestream.testkit.PostgresServer;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.Map;

import static io.tablestream.e2e.ValidationErrors.onlyError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** validate() checks the server prerequisites of mode=cdc and pins each failure to its field. */
@ExtendWith(TablestreamStack.class)
class CdcValidationIT {

    private static final String DATABASE = "cdc_validation_it";

    private final Stack stack;

    CdcValidationIT(Stack stack) throws Exception {
        this.stack = stack;
        // validate() checks that every listed table exists, so the listed table must be there.
        stack.postgres().createDatabase(DATABASE);
        try (java.sql.Connection c = stack.postgres().connect(DATABASE); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, amount numeric(12,2))");
        }
    }

    private Map<String, String> config(PostgresServer server, String database) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.tablestream.source.PostgresSourceConnector");
        config.put("connection.url", server.jdbcUrl(database));
        config.put("connection.user", server.user());
        config.put("connection.password", server.passwordOrEmpty());
        config.put("table.include.list", "orders");
        config.put("mode", "cdc");
        return config;
    }

    @Test
    void aServerReadyForLogicalDecodingHasNoErrors() {
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config(stack.postgres(), DATABASE));
        assertEquals(0, result.get("error_count").asInt(), result.toPrettyString());
    }

    @Test
    void aDisabledPublicationThatDoesNotExistIsReportedOnPublicationName() {
        Map<String, String> config = config(stack.postgres(), DATABASE);
        config.put("publication.autocreate.mode", "disabled");
        config.put("publication.name", "no_such_publication");
        JsonNode result = stack.rest().validate("PostgresSourceConnector", config);
        assertTrue(onlyError(result, "publication.name").contains("CREATE PUBLICATION"), result.toPrettyString());
    }

    @Test
    void walLevelReplicaIsReportedOnConnectionUrl() {
        try (PostgresServer replicaOnly = PostgresServer.startEmbedded(Map.of("wal_level", "replica"))) {
            JsonNode result = stack.rest().validate("PostgresSourceConnector", config(replicaOnly, "postgres"));
            String error = onlyError(result, "connection.url");
            assertTrue(error.contains("wal_level=replica") && error.contains("wal_level = logical"), error);
        }
    }
}
