package io.tablestream.local;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar local-stack/target/local-stack-<version>.jar [--demo] ...} (or the {@code tablestream-local}
 * script): starts the stack, prints where each part listens, runs the demo if asked, and on Ctrl-C / SIGTERM
 * stops every part before the JVM exits.
 */
public final class LocalStackMain {

    private LocalStackMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        // Everything after --psql is psql's, --help included.
        int psqlAt = java.util.Arrays.asList(args).indexOf("--psql");
        if (psqlAt >= 0) {
            System.exit(psql(java.util.Arrays.copyOfRange(args, 0, psqlAt),
                    java.util.Arrays.asList(args).subList(psqlAt + 1, args.length), out));
            return;
        }
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            out.println(LocalStackOptions.USAGE);
            return;
        }
        LocalStackOptions options;
        try {
            options = LocalStackOptions.parse(args, defaultPluginsDir());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // Before the first logger exists: log4j2-test.properties from testkit would otherwise win.
        System.setProperty("log4j2.configurationFile", "classpath:tablestream-local-log4j2.properties");
        System.setProperty("tablestream.local.log", options.dataDir().resolve("local-stack.log").toString());

        Running running = new Running();
        Thread shutdown = new Thread(() -> {
            long t0 = System.nanoTime();
            out.println("\nStopping the local stack...");
            running.close();
            out.printf(java.util.Locale.ROOT, "Stopped in %.1f s: enricher, Connect worker, Kafka broker and PostgreSQL are down.%n",
                    (System.nanoTime() - t0) / 1e9);
        }, "tablestream-local-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        out.println("Starting PostgreSQL, a Kafka broker, a Connect worker and the enricher (data in " + options.dataDir() + ")...");
        try {
            running.stack = LocalStack.start(options);
            out.println(running.stack.describe());
            if (options.demo()) {
                running.demo = Demo.start(running.stack, options, out);
            } else {
                java.util.List<String> deployed = running.stack.connect().rest().connectors();
                out.println((deployed.isEmpty() ? "No --demo: the stack is empty." : "No --demo.")
                        + " Deploy connectors with e.g. curl -X POST -H 'Content-Type: application/json' "
                        + "--data @config/source-shop.json " + running.stack.connect().restUrl() + "/connectors. Ctrl-C stops everything.");
                if (!deployed.isEmpty()) {
                    out.println(running.stack.otherConnectorsNote(deployed));
                }
            }
        } catch (RuntimeException e) {
            System.err.println("The local stack could not start: " + e.getMessage());
            System.err.println("Details: " + options.dataDir().resolve("local-stack.log"));
            System.exit(1);
        }
        new CountDownLatch(1).await(); // until Ctrl-C / SIGTERM; the shutdown hook does the stopping
    }

    /**
     * {@code --psql [ARGS]}: psql on the database of the stack running on the data directory (the options before
     * {@code --psql}), with ARGS appended; prints the command instead when psql is not installed.
     *
     * @return the exit code: psql's, 0 when only printed, 2 when no stack runs there
     */
    static int psql(String[] stackArgs, java.util.List<String> psqlArgs, PrintStream out) throws InterruptedException {
        PsqlCommand command;
        try {
            command = PsqlCommand.read(LocalStackOptions.parse(stackArgs, defaultPluginsDir()).dataDir());
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Path psql = PsqlCommand.findPsql(System.getenv("PATH"));
        if (psql == null) {
            out.println("psql is not installed (not on the PATH). With it (e.g. the postgresql-client package), run:");
            out.println("  " + command.shellCommand(psqlArgs));
            return 0;
        }
        try {
            return new ProcessBuilder(command.arguments(psqlArgs)).inheritIO().start().waitFor();
        } catch (java.io.IOException e) {
            System.err.println("Cannot run " + psql + ": " + e.getMessage() + ". The command: " + command.shellCommand(psqlArgs));
            return 1;
        }
    }

    /** plugins/ next to the jar this class was loaded from (local-stack/target/plugins after mvn package). */
    static Path defaultPluginsDir() {
        try {
            Path codeSource = Path.of(LocalStackMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // target/classes (IDE) or target/local-stack-<version>.jar: either way target/ holds plugins/.
            Path dir = codeSource.getParent();
            return dir.resolve("plugins");
        } catch (URISyntaxException e) {
            return Path.of("local-stack", "target", "plugins");
        }
    }

    /** What is running, for the shutdown hook. */
    private static final class Running {
        volatile LocalStack stack;
        volatile Demo demo;

        synchronized void close() {
            if (demo != null) {
                demo.close();
            }
            if (stack != null) {
                stack.close();
            }
        }
    }
}
