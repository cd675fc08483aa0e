package io.tablestream.testkit;

import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka Connect <em>distributed</em> worker, either in this JVM ({@link #start}) or in a child JVM
 * ({@link #startForked}, which also supports {@link #kill()}). Connectors are found on the classpath through
 * their {@code META-INF/services} files ({@code plugin.discovery=service_load}, no plugin.path).
 *
 * <p>Workers started with the same {@code group.id} override form one Connect cluster and share its internal
 * topics; restarting a worker with the same {@code group.id} keeps connector configs and source offsets.
 */
public final class ConnectWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnectWorker.class);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration THREAD_DUMP_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;
    /** A forked worker logs to its own file, so it can afford Connect's INFO lines (task starts, commits, rebalances). */
    private static final String FORKED_LOG4J_CONFIG = String.join("\n",
            "status = warn",
            "appender.file.type = Console",
            "appender.file.name = OUT",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5level [%t] %c{1.} - %msg%n",
            "rootLogger.level = WARN",
            "rootLogger.appenderRef.out.ref = OUT",
            "logger.connect.name = org.apache.kafka.connect",
            "logger.connect.level = INFO",
            "logger.tablestream.name = io.tablestream",
            "logger.tablestream.level = INFO",
            "");

    private final Map<String, String> properties;
    private final URI restUrl;
    private final Connect<?> connect;   // in-process worker, else null
    private final Process process;      // forked worker, else null
    private final Path logFile;         // forked worker's output, else null
    private volatile boolean stopped;

    private ConnectWorker(Map<String, String> properties, URI restUrl, Connect<?> connect, Process process, Path logFile) {
        this.properties = Map.copyOf(properties);
        this.restUrl = restUrl;
        this.connect = connect;
        this.process = process;
        this.logFile = logFile;
    }

    public static ConnectWorker start(String bootstrapServers) {
        return start(bootstrapServers, Map.of());
    }

    /**
     * Starts a worker in this JVM and waits until its herder is ready (internal topics read, group joined) and
     * {@code GET /connectors} answers 200.
     */
    public static ConnectWorker start(String bootstrapServers, Map<String, String> overrides) {
        ExitGuard.install();
        long t0 = System.nanoTime();
        RuntimeException failure = null;
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            Map<String, String> props = workerProperties(bootstrapServers, overrides);
            Connect<?> connect;
            // Plugins.compareAndSwapWithDelegatingLoader() replaces this thread's context class loader.
            ClassLoader tccl = Thread.currentThread().getContextClassLoader();
            try {
                connect = new ConnectDistributed().startConnect(props);
            } catch (RuntimeException e) {
                if (attempt < PORT_ATTEMPTS && !overrides.containsKey("listeners") && causedByBind(e)) {
                    log.warn("REST port of {} was taken meanwhile, retrying with another port", props.get("listeners"));
                    failure = e;
                    continue;
                }
                throw new IllegalStateException("Could not start the Connect worker: " + e, e);
            } finally {
                Thread.currentThread().setContextClassLoader(tccl);
            }
            URI restUrl = restUrl(props);
            ConnectWorker worker = new ConnectWorker(props, restUrl, connect, null, null);
            try {
                worker.awaitReady(READY_TIMEOUT);
            } catch (RuntimeException e) {
                worker.stop();
                throw e;
            }
            log.info("Connect worker (group {}) started in-process at {} in {} ms",
                    props.get("group.id"), restUrl, (System.nanoTime() - t0) / 1_000_000);
            return worker;
        }
        throw new IllegalStateException("Could not start the Connect worker", failure);
    }

    /**
     * Starts a worker in a child JVM (same java, same classpath, {@code -Xmx512m}) and waits until its REST API
     * answers. Its output goes to {@link #logFile()}. The child dies with this JVM (it watches its stdin).
     */
    public static ConnectWorker startForked(String bootstrapServers, Map<String, String> overrides) {
        return startForked(bootstrapServers, overrides, System.getProperty("java.class.path"));
    }

    /**
     * As {@link #startForked(String, Map)}, with the child's classpath given: e.g. the test classpath without the
     * connectors, so that they can only come from {@code plugin.path}, as on a user's worker.
     */
    public static ConnectWorker startForked(String bootstrapServers, Map<String, String> overrides, String classpath) {
        return startForked(bootstrapServers, overrides, classpath, Map.of());
    }

    /**
     * As {@link #startForked(String, Map, String)}, with {@code environment} added to the child's environment:
     * e.g. the values a connector config reads through {@code ${env:NAME}} (Kafka's EnvVarConfigProvider).
     */
    public static ConnectWorker startForked(String bootstrapServers, Map<String, String> overrides, String classpath,
                                            Map<String, String> environment) {
        long t0 = System.nanoTime();
        Map<String, String> props = workerProperties(bootstrapServers, overrides);
        Path propsFile;
        Path logFile;
        Process process;
        try {
            // Under Maven the working directory is the module: keep the logs in target/ for post-mortems.
            Path target = Paths.get("target");
            Path dir = Files.isDirectory(target)
                    ? Files.createTempDirectory(Files.createDirectories(target.resolve("connect-workers")), props.get("group.id") + "-")
                    : Files.createTempDirectory("tablestream-connect-");
            propsFile = dir.resolve("worker.properties");
            logFile = dir.resolve("worker.log");
            Path log4jFile = dir.resolve("log4j2.properties");
            Properties p = new Properties();
            p.putAll(props);
            try (Writer w = Files.newBufferedWriter(propsFile, StandardCharsets.UTF_8)) {
                p.store(w, "tablestream testkit forked Connect worker");
            }
            Files.writeString(log4jFile, FORKED_LOG4J_CONFIG, StandardCharsets.UTF_8);
            String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC",
                    "-Dlog4j2.configurationFile=" + log4jFile.toAbsolutePath(),
                    "-cp", classpath,
                    ForkedConnectWorkerMain.class.getName(), propsFile.toString()));
            ProcessBuilder builder = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not fork a Connect worker", e);
        }
        URI restUrl = restUrl(props);
        ConnectWorker worker = new ConnectWorker(props, restUrl, null, process, logFile);
        try {
            worker.awaitReady(READY_TIMEOUT);
        } catch (RuntimeException e) {
            worker.kill();
            throw new IllegalStateException(e.getMessage() + "\n--- tail of " + logFile + ":\n" + tail(logFile, 60), e);
        }
        log.info("Connect worker (group {}) started as pid {} at {} in {} ms, log {}",
                props.get("group.id"), process.pid(), restUrl, (System.nanoTime() - t0) / 1_000_000, logFile);
        return worker;
    }

    /**
     * The worker properties for {@code bootstrapServers} with {@code overrides} applied last. Internal topic names
     * derive from {@code group.id} (a fresh unique one unless overridden); the REST listener gets a free loopback
     * port unless {@code listeners} is overridden.
     */
    public static Map<String, String> workerProperties(String bootstrapServers, Map<String, String> overrides) {
        String groupId = overrides.getOrDefault("group.id",
                "tablestream-connect-" + UUID.randomUUID().toString().substring(0, 8));
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("group.id", groupId);
        p.put("config.storage.topic", groupId + "-configs");
        p.put("offset.storage.topic", groupId + "-offsets");
        p.put("status.storage.topic", groupId + "-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("key.converter.schemas.enable", "true");
        p.put("value.converter.schemas.enable", "true");
        p.put("listeners", "http://127.0.0.1:" + freeLoopbackPort());
        p.put("plugin.discovery", "service_load");
        p.put("offset.flush.interval.ms", "1000");
        p.put("connector.client.config.override.policy", "All");
        // When a worker of a multi-worker group dies, give its connectors/tasks to the survivors at once
        // instead of after the default 5-minute grace period.
        p.put("scheduled.rebalance.max.delay.ms", "0");
        p.putAll(overrides);
        return p;
    }

    private void awaitReady(Duration timeout) {
        ConnectRestClient rest = new ConnectRestClient(restUrl);
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (true) {
            if (connect != null) {
                Future<?> herderTask = connect.herderTask();
                if (herderTask != null && herderTask.isDone()) {
                    throw new IllegalStateException("Connect herder thread died during startup (see the log above); last REST answer: " + last);
                }
            }
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("Forked Connect worker exited with " + process.exitValue());
            }
            // GET /connectors alone proves little: Connect 4.x answers it from the config-store snapshot (an empty
            // list) before the herder has read its internal topics or joined the group. The herder is ready once
            // its tick loop has run after joining the group (internal topics read, first rebalance done). In this
            // JVM we ask it directly; a forked worker is asked via GET /health, which answers 200 only then (it
            // blocks server-side up to 10 s, which is why it is not used in-process: an abandoned /health request
            // would hold up Jetty's graceful stop when the herder died).
            boolean herderReady = connect == null || connect.herder().isReady();
            if (herderReady) {
                try {
                    if (process != null) {
                        rest.send("GET", "/health", null, Duration.ofSeconds(15));
                    }
                    rest.send("GET", "/connectors", null, Duration.ofSeconds(15));
                    return;
                } catch (ConnectRestException | UncheckedIOException e) {
                    last = e.getMessage();
                }
            } else {
                last = "herder not ready yet";
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Connect worker at " + restUrl + " not ready after " + timeout + ": " + last);
            }
            Pause.millis(200);
        }
    }

    public URI restUrl() {
        return restUrl;
    }

    /** A REST client for this worker. */
    /** The forked worker's process id (for heap sampling with jstat), or empty for an in-process worker. */
    public java.util.OptionalLong pid() {
        return process == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(process.pid());
    }

    public ConnectRestClient rest() {
        return new ConnectRestClient(restUrl);
    }

    /** The effective worker properties. */
    public Map<String, String> properties() {
        return properties;
    }

    public String groupId() {
        return properties.get("group.id");
    }

    public boolean isForked() {
        return process != null;
    }

    /** Output of a forked worker, else null. */
    public Path logFile() {
        return logFile;
    }

    /** Clean shutdown: stops connectors and tasks (committing offsets) and leaves the group. Idempotent. */
    public void stop() {
        stop(Duration.ofMinutes(2));
    }

    /**
     * Clean shutdown as {@link #stop()}, but a forked worker that has not exited within {@code grace} is killed
     * (its last offsets may then be uncommitted: a source re-sends what followed its last commit).
     *
     * @return whether the worker stopped cleanly within {@code grace}
     */
    public boolean stop(Duration grace) {
        if (stopped) {
            return true;
        }
        stopped = true;
        boolean clean = true;
        if (connect != null) {
            ClassLoader tccl = Thread.currentThread().getContextClassLoader();
            try {
                connect.stop();
                connect.awaitStop();
            } finally {
                Thread.currentThread().setContextClassLoader(tccl);
            }
        } else {
            // SIGTERM: the child's shutdown hook runs Connect.stop(). Not Process.destroy(): it also closes the
            // child's stdin at once, and the child halts on that EOF (its parent watch) before its tasks commit offsets.
            process.toHandle().destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    Path threads = dumpThreads();
                    log.warn("Forked Connect worker {} did not stop within {} ms, killing it; its threads are in {}"
                            + " (log {})", process.pid(), grace.toMillis(), threads, logFile);
                    clean = false;
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                clean = false;
            }
        }
        log.info("Connect worker (group {}) at {} stopped", groupId(), restUrl);
        return clean;
    }

    /**
     * The threads of a forked worker that does not stop, taken before it is killed so that the test's logs show what
     * held the JVM: jcmd's Thread.print into a file beside the worker's log; where jcmd cannot attach, SIGQUIT, on
     * which the JVM prints them into the worker's log itself. Returns where they are.
     */
    private Path dumpThreads() throws InterruptedException {
        Path dump = logFile.resolveSibling("threads-at-stop-timeout.txt");
        String jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString();
        try {
            Process print = new ProcessBuilder(jcmd, String.valueOf(process.pid()), "Thread.print")
                    .redirectErrorStream(true)
                    .redirectOutput(dump.toFile())
                    .start();
            if (print.waitFor(THREAD_DUMP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) && print.exitValue() == 0) {
                return dump;
            }
            print.destroyForcibly();
            new ProcessBuilder("kill", "-QUIT", String.valueOf(process.pid())).start()
                    .waitFor(THREAD_DUMP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Thread.sleep(1_000); // the JVM prints the dump from its own thread
            return logFile;
        } catch (IOException e) {
            log.warn("Could not take the thread dump of forked Connect worker {}", process.pid(), e);
            return logFile;
        }
    }

    /**
     * Hard kill (SIGKILL) of a forked worker: no offset commit, no task stop, no group leave. Only forked workers
     * can be killed.
     */
    public void kill() {
        if (process == null) {
            throw new UnsupportedOperationException("kill() needs a forked worker: use ConnectWorker.startForked(...)");
        }
        stopped = true;
        process.destroyForcibly();
        try {
            process.waitFor(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("Connect worker (group {}) at {} killed", groupId(), restUrl);
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "ConnectWorker[" + restUrl + ", group " + groupId() + (process != null ? ", pid " + process.pid() : "") + "]";
    }

    private static URI restUrl(Map<String, String> props) {
        String listener = props.get("listeners").split(",")[0].trim();
        URI uri = URI.create(listener);
        String host = uri.getHost() == null || uri.getHost().isEmpty() || uri.getHost().equals("0.0.0.0")
                ? "127.0.0.1" : uri.getHost();
        return URI.create(uri.getScheme() + "://" + host + ":" + uri.getPort());
    }

    static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free loopback port", e);
        }
    }

    private static boolean causedByBind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
