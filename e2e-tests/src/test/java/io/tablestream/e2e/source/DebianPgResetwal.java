package io.tablestream.e2e.source;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PostgreSQL 15's {@code pg_resetwal}, which the embedded server binaries lack: the one named by the system property
 * {@value #PROPERTY}, else an installed {@code postgresql-15} package's, else extracted from that Debian package
 * fetched with {@code apt-get download} (no root needed; the program needs only libc). Without any of them the test
 * is skipped, saying why.
 */
final class DebianPgResetwal {

    static final String PROPERTY = "tablestream.pg_resetwal";
    private static final Path INSTALLED = Path.of("/usr/lib/postgresql/15/bin/pg_resetwal");
    private static final Path IN_PACKAGE = Path.of("usr/lib/postgresql/15/bin/pg_resetwal");

    private DebianPgResetwal() {
    }

    static Path find(Path work) throws IOException, InterruptedException {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        if (Files.isExecutable(INSTALLED)) {
            return INSTALLED;
        }
        Path download = Files.createDirectories(work.resolve("debian"));
        String failure = run(download, "apt-get", "download", "postgresql-15");
        Path deb;
        try (Stream<Path> files = Files.list(download)) {
            deb = files.filter(f -> f.getFileName().toString().endsWith(".deb")).findFirst().orElse(null);
        }
        Assumptions.assumeTrue(deb != null, "needs PostgreSQL 15's pg_resetwal: set -D" + PROPERTY
                + "=<path>, install Debian's postgresql-15, or let `apt-get download postgresql-15` work; " + failure);
        failure = run(download, "dpkg", "-x", deb.toString(), "extracted");
        Path program = download.resolve("extracted").resolve(IN_PACKAGE);
        Assumptions.assumeTrue(Files.isExecutable(program), "could not extract pg_resetwal from " + deb + ": " + failure);
        return program;
    }

    /** Runs a command in {@code dir}; returns its output when it failed, else an empty string. */
    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return command[0] + ": " + notInstalled.getMessage();
        }
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish in 120 s";
        }
        return process.exitValue() == 0 ? "" : String.join(" ", command) + " failed: " + output;
    }
}
