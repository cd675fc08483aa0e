package io.tablestream.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's first command as a child process ({@code java -jar local-stack-<version>.jar ...}) on a given data
 * directory and REST port, with what the ITs read from its output and check when it stops.
 */
final class LocalStackProcess implements AutoCloseable {

    static final Duration STARTUP = Duration.ofMinutes(3);
    /** The stack promises to be down within this (its parts' stop bounds added up); the JVM's exit comes on top. */
    static final Duration STOP_BOUND = Duration.ofSeconds(15);
    static final Duration SHUTDOWN = STOP_BOUND.plusSeconds(15);
    static final Pattern STOPPED = Pattern.compile("^Stopped in (\\d+\\.\\d) s: enricher, Connect worker, Kafka broker and PostgreSQL are down\\.$");
    static final Pattern POSTGRES = Pattern.compile("^ {2}PostgreSQL +(jdbc:postgresql://(\\S+?):(\\d+)/\\S+) +\\(user (\\S+),");
    static final Pattern KAFKA = Pattern.compile("^ {2}Kafka broker +(\\S+?):(\\d+) ");
    static final Pattern WORKER_LOG = Pattern.compile(", log (\\S+)\\)$");
    static final Pattern REST = Pattern.compile("^ {2}Connect REST +(http://\\S+?):(\\d+) ");

    private final Process process;
    private final Path outputFile;
    private List<ProcessHandle> children = List.of();

    private LocalStackProcess(Process process, Path outputFile) {
        this.process = process;
        this.outputFile = outputFile;
    }

    /** Starts {@code java -jar local-stack.jar --data-dir DIR --rest-port P --config-dir <repo>/config ARGS}. */
    static LocalStackProcess start(Path dataDir, int restPort, String... args) throws IOException {
        Files.createDirectories(dataDir);
        // A new file per start: a pipe's reader can lose the end when the process exits, a file keeps it.
        Path outputFile = Files.createTempFile(dataDir, "stdout-", ".txt");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx768m", "-jar", System.getProperty("tablestream.local.jar"),
                "--data-dir", dataDir.toString(), "--rest-port", Integer.toString(restPort),
                "--config-dir", Path.of(System.getProperty("tablestream.repo.root"), "config").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(outputFile.toFile());
        builder.environment().remove("TABLESTREAM_PG_URL"); // the embedded PostgreSQL, whose user we know
        return new LocalStackProcess(builder.start(), outputFile);
    }

    /** Runs {@code java -jar local-stack.jar --data-dir DIR ARGS} to its end (within a minute); its output. */
    static String runToEnd(Path dataDir, String... args) throws IOException, InterruptedException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-jar", System.getProperty("tablestream.local.jar"),
                "--data-dir", dataDir.toString()));
        command.addAll(List.of(args));
        Path outputFile = Files.createTempFile(dataDir, "run-", ".txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(outputFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command + " did not end within 60 s:\n" + Files.readString(outputFile, StandardCharsets.UTF_8));
        }
        return Files.readString(outputFile, StandardCharsets.UTF_8);
    }

    /** Waits for a line; fails with the output's tail if the process exits or the time runs out. */
    void awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (output().stream().noneMatch(wanted)) {
            if (!process.isAlive()) {
                fail("the local stack exited with " + process.exitValue() + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                fail("the local stack did not print the expected line within " + timeout + ":\n" + tail()
                        + "\n" + diagnostics());
            }
            Thread.sleep(200);
        }
    }

    /** Waits until the stack has printed where its parts listen (and, with --demo, started the demo). */
    void awaitStarted(boolean demo) throws InterruptedException {
        awaitLine(l -> l.startsWith(demo ? "Demo running" : "No --demo"), STARTUP);
        children = process.descendants().toList();
    }

    Matcher find(Pattern pattern) {
        Optional<Matcher> match = output().stream().map(pattern::matcher).filter(Matcher::find).findFirst();
        return match.orElseThrow(() -> new AssertionError("no line matching " + pattern + " in:\n" + tail()));
    }

    String kafkaBootstrapServers() {
        Matcher kafka = find(KAFKA);
        return kafka.group(1) + ":" + kafka.group(2);
    }

    /** The child processes seen once the stack had started (the Connect worker, PostgreSQL's processes). */
    List<ProcessHandle> children() {
        return children;
    }

    /**
     * SIGTERM (what Ctrl-C's SIGINT does too: the shutdown hook stops every part), then checks that the process
     * and every child it had are gone and that the PostgreSQL, broker and REST ports are closed.
     */
    void stopAndAssertNothingLeft() throws InterruptedException {
        int pgPort = Integer.parseInt(find(POSTGRES).group(3));
        int kafkaPort = Integer.parseInt(find(KAFKA).group(2));
        int restPort = Integer.parseInt(find(REST).group(2));
        process.destroy();
        assertTrue(process.waitFor(SHUTDOWN.toSeconds(), TimeUnit.SECONDS), "still running after SIGTERM:\n" + tail());
        Matcher stopped = find(STOPPED);
        double seconds = Double.parseDouble(stopped.group(1));
        assertTrue(seconds <= STOP_BOUND.toSeconds(), "the stop took " + seconds + " s, more than " + STOP_BOUND + ":\n" + tail());
        for (ProcessHandle child : children) {
            awaitGone(child);
        }
        for (int port : List.of(pgPort, kafkaPort, restPort)) {
            assertFalse(listening(port), "port " + port + " still open after the stack stopped");
        }
    }

    List<String> output() {
        try {
            return Files.readAllLines(outputFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of("(cannot read " + outputFile + ": " + e + ")");
        }
    }

    /** The connectors' states and the worker log's ERROR lines (with the line after each), to tell why. */
    String diagnostics() {
        StringBuilder out = new StringBuilder();
        Optional<String> restLine = output().stream().filter(l -> REST.matcher(l).find()).findFirst();
        restLine.ifPresent(line -> {
            Matcher r = REST.matcher(line);
            r.find();
            try {
                out.append("connectors: ").append(new String(java.net.URI.create(r.group(1) + ":" + r.group(2)
                        + "/connectors?expand=status").toURL().openStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("connectors: ").append(e);
            }
            Matcher log = WORKER_LOG.matcher(line);
            if (log.find()) {
                try {
                    List<String> lines = Files.readAllLines(Path.of(log.group(1)), StandardCharsets.UTF_8);
                    out.append("\nworker log errors (").append(log.group(1)).append("):");
                    for (int i = 0, shown = 0; i < lines.size() && shown < 20; i++) {
                        if (lines.get(i).contains(" ERROR ")) {
                            out.append('\n').append(lines.get(i));
                            if (i + 1 < lines.size()) {
                                out.append('\n').append(lines.get(i + 1));
                            }
                            shown++;
                        }
                    }
                } catch (IOException e) {
                    out.append("\nworker log: ").append(e);
                }
            }
        });
        return out.toString();
    }

    String tail() {
        List<String> lines = output();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitGone(ProcessHandle process) throws InterruptedException {
        long deadline = System.nanoTime() + SHUTDOWN.toNanos();
        while (process.isAlive()) {
            if (System.nanoTime() > deadline) {
                fail("process " + process.pid() + " (" + process.info().commandLine().orElse("?") + ") outlived the stack");
            }
            Thread.sleep(200);
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
