package io.tablestream.e2e.cdc;

import io.tablestream.testkit.Stack;
import org.jdbi.v3.core.Jdbi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CDC IT's own databases, connectors and topic readers on the shared stack; {@link #close()} removes them all
 * (dropping a database drops its slots too: left behind they would pin WAL).
 */
final class CdcFixture implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Stack stack;
    private final List<String> connectors = new ArrayList<>();
    private final List<String> databases = new ArrayList<>();
    private final List<ChangeLog> logs = new ArrayList<>();

    CdcFixture(Stack stack) {
        this.stack = stack;
    }

    Jdbi database(String name) {
        stack.postgres().createDatabase(name);
        databases.add(name);
        return Jdbi.create(() -> stack.postgres().connect(name));
    }

    /** Deploys a mode=cdc connector named {@code name} (its topics are {@code <name>.<table>}) and waits until it runs. */
    void deploy(String name, String database, String tables, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "tasks.max", "1",
                "connection.url", stack.postgres().jdbcUrl(database),
                "connection.user", stack.postgres().user(),
                "connection.password", stack.postgres().passwordOrEmpty(),
                "mode", "cdc",
                "table.include.list", tables,
                "topic.prefix", name + ".",
                "slot.name", name.replace('-', '_'),
                "publication.name", name.replace('-', '_')));
        config.putAll(extra);
        stack.rest().createOrUpdateConnector(name, config);
        connectors.add(name);
        stack.rest().awaitRunning(name, TIMEOUT);
    }

    ChangeLog changeLog(String... topics) {
        ChangeLog log = new ChangeLog(stack.kafka().bootstrapServers(), List.of(topics));
        logs.add(log);
        return log;
    }

    @Override
    public void close() {
        logs.forEach(ChangeLog::close);
        connectors.forEach(stack.rest()::deleteConnectorIfExists);
        databases.forEach(stack.postgres()::dropDatabase);
    }
}
