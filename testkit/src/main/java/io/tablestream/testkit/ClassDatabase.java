package io.tablestream.testkit;

import org.jdbi.v3.core.Jdbi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A test class's own database on the shared stack, and the connectors the class deployed through it. Asked for as a
 * constructor (or test method) parameter of a class extended with {@link TablestreamStack}: one per class, named
 * after it ({@code SinkWriteModesIT} gets {@code sink_write_modes_it}); its connectors are deleted when the class's
 * tests are done. The database itself stays, for a look after a failure; the next run re-creates it.
 */
public final class ClassDatabase implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Stack stack;
    private final String name;
    private final String url;
    private final Jdbi db;
    private final List<String> connectors = new ArrayList<>();

    ClassDatabase(Stack stack, Class<?> testClass) {
        this.stack = stack;
        this.name = nameOf(testClass);
        this.url = stack.postgres().createDatabase(name);
        this.db = Jdbi.create(() -> stack.postgres().connect(name));
    }

    /** {@code SinkWriteModesIT} becomes {@code sink_write_modes_it}. */
    static String nameOf(Class<?> testClass) {
        return testClass.getSimpleName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    public String name() {
        return name;
    }

    /** The JDBC URL, without credentials, for a connector's connection.url. */
    public String url() {
        return url;
    }

    public Jdbi db() {
        return db;
    }

    /** Deploys through the REST API and waits until the connector and its tasks run. */
    public void deploy(String connector, Map<String, String> config) {
        create(connector, config);
        stack.rest().awaitRunning(connector, TIMEOUT);
    }

    /** Deploys through the REST API without waiting: for a connector whose task is meant to fail. */
    public void create(String connector, Map<String, String> config) {
        if (!connectors.contains(connector)) {
            connectors.add(connector);
        }
        stack.rest().createOrUpdateConnector(connector, config);
    }

    @Override
    public void close() {
        connectors.forEach(stack.rest()::deleteConnectorIfExists);
    }
}
