package io.tablestream.e2e.sink;

import io.tablestream.testkit.Stack;
import org.jdbi.v3.core.Jdbi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.sink.SinkTopics.TIMEOUT;

/** A sink IT class's own database and the connectors it deployed, which {@link #close()} deletes. */
final class ConnectorsOnDatabase implements AutoCloseable {

    final Jdbi db;
    final String url;
    private final Stack stack;
    private final List<String> connectors = new ArrayList<>();

    ConnectorsOnDatabase(Stack stack, String database) {
        this.stack = stack;
        this.url = stack.postgres().createDatabase(database);
        this.db = Jdbi.create(() -> stack.postgres().connect(database));
    }

    /** Deploys through the REST API and waits until the connector and its tasks run. */
    void deploy(String name, Map<String, String> config) {
        create(name, config);
        stack.rest().awaitRunning(name, TIMEOUT);
    }

    /** Deploys through the REST API without waiting: for a connector whose task is meant to fail. */
    void create(String name, Map<String, String> config) {
        connectors.add(name);
        stack.rest().createOrUpdateConnector(name, config);
    }

    @Override
    public void close() {
        connectors.forEach(stack.rest()::deleteConnectorIfExists);
    }
}
