package io.tablestream.local;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * psql on the stack's database. The running stack writes it to {@value #FILE} in its data directory, so
 * {@code tablestream-local --psql} (another process) finds the port the embedded PostgreSQL got without guessing.
 */
record PsqlCommand(String host, int port, String user, String database) {

    static final String FILE = "psql.properties";

    /** From a pgjdbc {@code host:port}; a multi-host list (external servers only) keeps its first host. */
    static PsqlCommand of(String hostAndPort, String user, String database) {
        String first = hostAndPort.split(",")[0];
        int colon = first.lastIndexOf(':');
        return colon < 0
                ? new PsqlCommand(first, 5432, user, database)
                : new PsqlCommand(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)), user, database);
    }

    List<String> arguments(List<String> extra) {
        List<String> args = new ArrayList<>(List.of("psql", "-h", host, "-p", Integer.toString(port), "-U", user, database));
        args.addAll(extra);
        return args;
    }

    /** As typed in a shell: {@code psql -h localhost -p 41234 -U postgres shop}. */
    String shellCommand(List<String> extra) {
        return arguments(extra).stream().map(PsqlCommand::shellQuote).collect(Collectors.joining(" "));
    }

    void write(Path dataDir) {
        Properties props = new Properties();
        props.setProperty("host", host);
        props.setProperty("port", Integer.toString(port));
        props.setProperty("user", user);
        props.setProperty("database", database);
        try (Writer writer = Files.newBufferedWriter(dataDir.resolve(FILE), StandardCharsets.UTF_8)) {
            props.store(writer, "Written by the running tablestream local stack, for tablestream-local --psql");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + dataDir.resolve(FILE), e);
        }
    }

    /** @throws IllegalStateException when no stack has written the file: nothing runs on that data directory */
    static PsqlCommand read(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("No local stack is running on data directory " + dataDir + " (no " + FILE
                    + "): start it first with ./tablestream-local --demo, or pass its --data-dir before --psql");
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return new PsqlCommand(props.getProperty("host"), Integer.parseInt(props.getProperty("port")),
                props.getProperty("user"), props.getProperty("database"));
    }

    static void delete(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dataDir.resolve(FILE), e);
        }
    }

    /** psql if it is on the PATH, else null. */
    static Path findPsql(String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "psql");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static String shellQuote(String arg) {
        return arg.matches("[A-Za-z0-9_./:=@%+,-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
