package io.tablestream.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * JUnit Jupiter extension that starts PostgreSQL, a KRaft broker and a Connect distributed worker once per test
 * JVM, shares them with every test class that uses it, and stops them (worker, broker, PostgreSQL) when the test
 * run ends.
 *
 * <pre>{@code
 * @ExtendWith(TablestreamStack.class)
 * class MyPipelineIT {
 *     MyPipelineIT(Stack stack) { ... }            // or a @Test / @BeforeAll method parameter
 * }
 * }</pre>
 *
 * Resolvable parameter types: {@link Stack}, {@link PostgresServer}, {@link KafkaBroker}, {@link ConnectWorker},
 * {@link ConnectRestClient}.
 *
 * <p>The stack lives in the root {@link ExtensionContext.Store} as an {@link AutoCloseable} (JUnit 6 closes
 * AutoCloseable store values; {@code Store.CloseableResource} is deprecated). If it fails to start, the failure is
 * remembered and every later test class fails fast with it instead of retrying.
 */
public final class TablestreamStack implements BeforeAllCallback, ParameterResolver {

    private static final Logger log = LoggerFactory.getLogger(TablestreamStack.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TablestreamStack.class);
    private static final String KEY = "stack";

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == Stack.class || type == PostgresServer.class || type == KafkaBroker.class
                || type == ConnectWorker.class || type == ConnectRestClient.class || type == ClassDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Stack stack = stack(extensionContext);
        Class<?> type = parameterContext.getParameter().getType();
        if (type == Stack.class) {
            return stack;
        } else if (type == PostgresServer.class) {
            return stack.postgres();
        } else if (type == KafkaBroker.class) {
            return stack.kafka();
        } else if (type == ConnectWorker.class) {
            return stack.connect();
        } else if (type == ConnectRestClient.class) {
            return stack.rest();
        } else if (type == ClassDatabase.class) {
            return classDatabase(stack, extensionContext);
        }
        throw new ParameterResolutionException("Unsupported parameter type " + type);
    }

    /** The shared stack, started on first use. */
    public static Stack stack(ExtensionContext context) {
        StackResource resource = context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(KEY, key -> StackResource.start(), StackResource.class);
        return resource.get();
    }

    /**
     * The test class's database: kept in the class's store, so that every instance of the class (one per test
     * method by default) gets the same one and JUnit closes it when the class is done.
     */
    private static ClassDatabase classDatabase(Stack stack, ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        Class<?> testClass = classContext.getRequiredTestClass();
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(ClassDatabase.class,
                key -> new ClassDatabase(stack, testClass), ClassDatabase.class);
    }

    /** Store value: the started stack, or why it could not start. */
    static final class StackResource implements AutoCloseable {
        private final Stack stack;
        private final RuntimeException failure;

        private StackResource(Stack stack, RuntimeException failure) {
            this.stack = stack;
            this.failure = failure;
        }

        static StackResource start() {
            try {
                return new StackResource(startStack(), null);
            } catch (RuntimeException | Error e) {
                log.error("Could not start the tablestream test stack", e);
                return new StackResource(null, new IllegalStateException("The tablestream test stack failed to start: " + e, e));
            }
        }

        Stack get() {
            if (failure != null) {
                throw failure;
            }
            return stack;
        }

        @Override
        public void close() {
            if (stack == null) {
                return;
            }
            long t0 = System.nanoTime();
            closeQuietly("Connect worker", stack.connect());
            closeQuietly("Kafka broker", stack.kafka());
            closeQuietly("PostgreSQL", stack.postgres());
            log.info("tablestream test stack stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static Stack startStack() {
        long t0 = System.nanoTime();
        // PostgreSQL is mostly another process (initdb, postmaster): start it while the broker boots.
        CompletableFuture<Map.Entry<PostgresServer, Duration>> pgFuture = CompletableFuture.supplyAsync(() -> {
            long s = System.nanoTime();
            PostgresServer pg = PostgresServer.start();
            return Map.entry(pg, Duration.ofNanos(System.nanoTime() - s));
        }, task -> {
            Thread t = new Thread(task, "testkit-postgres-start");
            t.setDaemon(true);
            t.start();
        });
        KafkaBroker kafka = null;
        ConnectWorker connect = null;
        try {
            long s = System.nanoTime();
            kafka = KafkaBroker.start();
            Duration kafkaTime = Duration.ofNanos(System.nanoTime() - s);

            s = System.nanoTime();
            connect = ConnectWorker.start(kafka.bootstrapServers(), Map.of("group.id", "tablestream-it-connect"));
            Duration connectTime = Duration.ofNanos(System.nanoTime() - s);

            Map.Entry<PostgresServer, Duration> pg = pgFuture.join();
            Stack.Timings timings = new Stack.Timings(pg.getValue(), kafkaTime, connectTime,
                    Duration.ofNanos(System.nanoTime() - t0));
            Stack stack = new Stack(pg.getKey(), kafka, connect, connect.rest(), timings);
            log.info("tablestream test stack up: {}, {}, Connect REST {} ({})",
                    stack.postgres(), kafka.bootstrapServers(), connect.restUrl(), timings);
            return stack;
        } catch (RuntimeException | Error e) {
            closeQuietly("Connect worker", connect);
            closeQuietly("Kafka broker", kafka);
            try {
                closeQuietly("PostgreSQL", pgFuture.join().getKey());
            } catch (CompletionException pgFailure) {
                e.addSuppressed(pgFailure.getCause());
            }
            throw e;
        }
    }

    private static void closeQuietly(String what, AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("Error closing {}", what, e);
        }
    }
}
