package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import io.tablestream.testkit.TcpProxy;
import io.tablestream.testkit.TopicReader;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.tablestream.e2e.reliability.Fixtures.TIMEOUT;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * With the database unreachable (a proxy in front of it drops every connection and refuses new ones), each kind of
 * task is stopped (its connector deleted) while it retries: its thread must end within seconds, not after its
 * backoff or its remaining attempts. The same for a polling source whose table another session keeps locked. Kafka Connect stops a task only between two calls into it, and a worker's clean
 * stop waits for its tasks, so a task that retries inside a call holds up every stop of the worker.
 */
@ExtendWith(TablestreamStack.class)
class TaskStopIT {

    private static final String DB = "task_stop_it";
    /**
     * Retries 2 s apart, 20 attempts: by the time the connector is deleted the task has been retrying for a while,
     * and a task that retried inside one call would still have more than half a minute of attempts ahead of it.
     */
    private static final String BACKOFF_MS = "2000";
    private static final Duration RETRYING = Duration.ofSeconds(5);
    /** Well over a prompt stop; well under the attempts still ahead of a task that retries inside a call. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(6);

    private final Stack stack;
    private TcpProxy proxy;
    private Jdbi db;
    private String proxiedUrl;

    TaskStopIT(Stack stack) {
        this.stack = stack;
    }

    @BeforeEach
    void database() {
        stack.postgres().createDatabase(DB);
        db = Jdbi.create(() -> stack.postgres().connect(DB));
        db.useHandle(h -> h.execute("""
                CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
                INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g"""));
        String[] hostPort = stack.postgres().hostAndPort().split(":");
        proxy = TcpProxy.start(hostPort[0], Integer.parseInt(hostPort[1]));
        proxiedUrl = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + DB;
    }

    @AfterEach
    void cleanUp() {
        proxy.close();
        stack.postgres().dropDatabase(DB);
    }

    @Test
    void aPollingSourceTaskStopsWhileTheDatabaseIsUnreachable() {
        deployReadingTenRows("stop-polling", "connection.backoff.ms", BACKOFF_MS, "connection.attempts", "20");
        cutAndAssertStopsPromptly("stop-polling");
    }

    @Test
    void aPollingSourceTaskStopsWhileItsTableIsLocked() {
        deployReadingTenRows("stop-locked");
        try (var locker = db.open()) {
            locker.begin();
            locker.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
            Fixtures.await("the source is waiting for the lock", true, () -> db.withHandle(h -> h.createQuery(
                    "SELECT count(*) > 0 FROM pg_locks WHERE relation = 'items'::regclass AND NOT granted")
                    .mapTo(Boolean.class).one()), TIMEOUT);
            deleteAndAssertStopsPromptly("stop-locked");
            locker.rollback();
        }
    }

    @Test
    void aCdcSourceTaskStopsWhileTheDatabaseIsUnreachable() {
        deployReadingTenRows("stop-cdc", "mode", "cdc", "slot.name", "stop_cdc", "publication.name", "stop_cdc",
                "connection.backoff.ms", BACKOFF_MS, "connection.attempts", "20");
        cutAndAssertStopsPromptly("stop-cdc");
    }

    /** Deleted while a large insert streams: the poll in progress returns and the task stops. */
    @Test
    void aCdcTaskStreamingABacklogLeavesNoThreadBehind() {
        deployReadingTenRows("stop-streaming", "mode", "cdc", "slot.name", "stop_streaming", "publication.name",
                "stop_streaming");
        db.useHandle(h -> h.execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(11, 100000) g"));
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), "stop-streaming.items", 2000L, TIMEOUT);
        deleteAndAssertStopsPromptly("stop-streaming");
    }

    /** A source on table items through the proxy, topic {@code <name>.items}, once its ten rows have arrived. */
    private void deployReadingTenRows(String name, String... extra) {
        stack.rest().createOrUpdateConnector(name, Fixtures.sourceConfig(stack, proxiedUrl, "items", name + ".", extra));
        stack.rest().awaitRunning(name, TIMEOUT);
        TopicReader.readUntilId(stack.kafka().bootstrapServers(), name + ".items", 10L, TIMEOUT);
    }

    @Test
    void aSinkTaskStopsWhileTheDatabaseIsUnreachable() {
        String name = "stop-sink";
        String topic = "stop.sink.rows";
        Schema schema = SchemaBuilder.struct().name("row").field("id", Schema.INT64_SCHEMA).build();
        Fixtures.produce(stack.kafka().bootstrapServers(), topic, schema,
                IntStream.rangeClosed(1, 10).mapToObj(i -> new Struct(schema).put("id", (long) i)).toList());
        stack.rest().createOrUpdateConnector(name, ConnectorConfigs.sink(stack, proxiedUrl, topic,
                "auto.create", "true", "table.name.format", "sunk", "retry.backoff.ms", BACKOFF_MS, "max.retries", "100"));
        stack.rest().awaitRunning(name, TIMEOUT);
        Fixtures.await("rows written", 10, () -> db.withHandle(h ->
                h.createQuery("SELECT count(*)::int FROM sunk").mapTo(Integer.class).one()), TIMEOUT);
        proxy.cut();
        // New records make the task write (and fail) while the database is gone.
        Fixtures.produce(stack.kafka().bootstrapServers(), topic, schema,
                IntStream.rangeClosed(11, 20).mapToObj(i -> new Struct(schema).put("id", (long) i)).toList());
        sleep(RETRYING);
        deleteAndAssertStopsPromptly(name);
    }

    private void cutAndAssertStopsPromptly(String connector) {
        proxy.cut();
        // Time to notice and to retry a few times.
        sleep(RETRYING);
        deleteAndAssertStopsPromptly(connector);
    }

    /** The task thread ends promptly, and so does a CDC task's replication reader (named after its slot). */
    private void deleteAndAssertStopsPromptly(String connector) {
        long t0 = System.nanoTime();
        stack.rest().deleteConnector(connector);
        for (String thread : List.of("task-thread-" + connector + "-0",
                "tablestream-cdc-reader-" + connector.replace('-', '_'))) {
            while (threadAlive(thread)) {
                if (System.nanoTime() - t0 > STOP_BOUND.toNanos()) {
                    fail("thread " + thread + " still running " + STOP_BOUND.toSeconds()
                            + " s after its connector was deleted:\n" + stackOf(thread));
                }
                sleep(Duration.ofMillis(100));
            }
        }
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    private static String stackOf(String name) {
        return Thread.getAllStackTraces().entrySet().stream().filter(e -> e.getKey().getName().equals(name))
                .map(e -> String.join("\n", List.of(e.getValue()).stream().map(String::valueOf).toList()))
                .findFirst().orElse("(gone)");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
