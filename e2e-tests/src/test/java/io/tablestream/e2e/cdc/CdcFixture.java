package io.tablestream.e2e.cdc;

import io.tablestream.testkit.ConnectRestException;
import io.tablestream.testkit.Pause;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A CDC IT's own databases, connectors and topic readers on the shared stack; {@link #close()} removes them all
 * (dropping a database drops its slots too: left behind they would pin WAL). A test class extended with
 * {@link Extension} gets a fresh one per test as a constructor parameter, closed after the test.
 */
final class CdcFixture implements AutoCloseable {

    /** Resolves a {@link CdcFixture} parameter and closes the fixtures it handed out after each test. */
    static final class Extension implements ParameterResolver, AfterEachCallback {
        private final List<CdcFixture> open = new ArrayList<>();

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == CdcFixture.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            CdcFixture fixture = new CdcFixture(TablestreamStack.stack(context));
            open.add(fixture);
            return fixture;
        }

        @Override
        public void afterEach(ExtensionContext context) {
            open.forEach(CdcFixture::close);
            open.clear();
        }
    }

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

    /** A new database with {@code sql} (its tables, rows...) run in it. */
    Jdbi database(String name, String sql) {
        Jdbi db = database(name);
        db.useHandle(h -> h.execute(sql));
        return db;
    }

    /**
     * Deploys a mode=cdc connector named {@code name} (its topics are {@code <name>.<table>}) and waits until it
     * runs; returns its config, to change and deploy again.
     */
    Map<String, String> deploy(String name, String database, String tables, Map<String, String> extra) {
        Map<String, String> config = create(name, database, tables, extra);
        stack.rest().awaitRunning(name, TIMEOUT);
        return config;
    }

    /**
     * Deploys a mode=cdc connector as {@link #deploy} does, for a task that is to fail: returns its trace (without
     * waiting for RUNNING, which a task failing at once may never be seen in).
     */
    String deployAndAwaitTaskFailure(String name, String database, String tables, Map<String, String> extra) {
        create(name, database, tables, extra);
        return awaitTaskFailure(name);
    }

    private Map<String, String> create(String name, String database, String tables, Map<String, String> extra) {
        Map<String, String> config = config(stack, name, database, tables, extra);
        connectors.add(name);
        stack.rest().createOrUpdateConnector(name, config);
        return config;
    }

    /**
     * The config of a one-task mode=cdc connector named {@code name} on {@code database}: its topics are
     * {@code <name>.<table>}, its slot is the name with underscores; {@code extra} adds or overrides settings.
     */
    static Map<String, String> config(Stack stack, String name, String database, String tables,
                                      Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(Map.of(
                "connector.class", "io.tablestream.source.PostgresSourceConnector",
                "tasks.max", "1",
                "connection.url", stack.postgres().jdbcUrl(database),
                "connection.user", stack.postgres().user(),
                "connection.password", stack.postgres().passwordOrEmpty(),
                "mode", "cdc",
                "table.include.list", tables,
                "topic.prefix", name + ".",
                "slot.name", name.replace('-', '_')));
        config.putAll(extra);
        return config;
    }

    /**
     * Stops the connector ({@code PUT /connectors/{name}/stop}) and waits until its task has released the slot:
     * STOPPED is reported before the task has shut down.
     */
    void stopAndAwaitSlotReleased(String name, Jdbi db) {
        stack.rest().stopConnector(name);
        stack.rest().awaitState(name, "STOPPED", TIMEOUT);
        String slot = name.replace('-', '_');
        awaitCondition("the task to release slot " + slot, () -> !slotActive(db, slot));
    }

    /** Whether a session streams from the slot; false for a slot that does not exist. */
    static boolean slotActive(Jdbi db, String slot) {
        return db.withHandle(h -> h.createQuery(
                "SELECT count(*) > 0 FROM pg_replication_slots WHERE slot_name = ? AND active")
                .bind(0, slot).mapTo(Boolean.class).one());
    }

    /** The state of the connector's first task (null while it has none, or the worker has no status yet). */
    @SuppressWarnings("unchecked")
    String taskState(String name) {
        Map<String, Object> status;
        try {
            status = stack.rest().status(name);
        } catch (ConnectRestException e) {
            if (e.statusCode() != 404) { // 404 until the herder has written the first status
                throw e;
            }
            return null;
        }
        List<Map<String, Object>> tasks = (List<Map<String, Object>>) status.get("tasks");
        return tasks == null || tasks.isEmpty() ? null : (String) tasks.get(0).get("state");
    }

    /** The trace of the connector's first task once it has FAILED. */
    @SuppressWarnings("unchecked")
    String awaitTaskFailure(String name) {
        awaitCondition(name + "'s task to fail", () -> "FAILED".equals(taskState(name)));
        return (String) ((List<Map<String, Object>>) stack.rest().status(name).get("tasks")).get(0).get("trace");
    }

    static void awaitCondition(String what, BooleanSupplier condition) {
        awaitCondition(what, TIMEOUT, condition);
    }

    static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            Pause.millis(100);
        }
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
