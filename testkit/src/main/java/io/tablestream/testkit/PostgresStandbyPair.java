package io.tablestream.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An embedded primary and a hot standby streaming its WAL, both {@code wal_level=logical} (so the standby can decode
 * a slot of its own, PostgreSQL 16+), the standby with {@code hot_standby_feedback=on}. The embedded binaries have
 * no {@code pg_basebackup}: the standby starts from a cold copy of the primary's data directory, taken while the
 * primary is stopped, with a {@code standby.signal} and a {@code primary_conninfo}.
 *
 * <p>Databases are created on the {@link #primary()}; the {@link #standby()} only reads (and decodes).
 */
public final class PostgresStandbyPair implements AutoCloseable {

    private final Path directory;
    private final PostgresServer primary;
    private final PostgresServer standby;

    private PostgresStandbyPair(Path directory, PostgresServer primary, PostgresServer standby) {
        this.directory = directory;
        this.primary = primary;
        this.standby = standby;
    }

    public static PostgresStandbyPair start() {
        Path directory;
        try {
            directory = Files.createTempDirectory("tablestream-standby-pair-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a directory for the standby pair", e);
        }
        Path primaryData = directory.resolve("primary");
        Path standbyData = directory.resolve("standby");
        PostgresServer.startEmbedded(primaryData).close(); // initdb, and a clean shutdown to copy from
        copy(primaryData, standbyData);
        PostgresServer primary = PostgresServer.startEmbedded(primaryData);
        PostgresServer standby = null;
        try {
            Files.createFile(standbyData.resolve("standby.signal"));
            // In the configuration file, not on the command line: the connection string has spaces.
            Files.writeString(standbyData.resolve("postgresql.auto.conf"), "\nprimary_conninfo = 'host=localhost port="
                    + port(primary) + " user=" + primary.user() + "'\n", StandardOpenOption.APPEND);
            standby = PostgresServer.startEmbedded(standbyData, Map.of("hot_standby_feedback", "on"));
            PostgresStandbyPair pair = new PostgresStandbyPair(directory, primary, standby);
            pair.awaitReplayed(Duration.ofSeconds(60));
            return pair;
        } catch (IOException | RuntimeException e) {
            if (standby != null) {
                standby.close();
            }
            primary.close();
            delete(directory);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    public PostgresServer primary() {
        return primary;
    }

    public PostgresServer standby() {
        return standby;
    }

    /**
     * Waits until the standby has replayed everything the primary had written when this was called: up to its
     * insert position, as the embedded servers commit with {@code synchronous_commit=off} (a commit is in the WAL
     * before the position written to disk, which is all the standby receives, passes it).
     */
    public void awaitReplayed(Duration timeout) {
        String written = query(primary, "SELECT pg_current_wal_insert_lsn()::text");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!"true".equals(query(standby, "SELECT coalesce(pg_last_wal_replay_lsn() >= '" + written
                + "'::pg_lsn, false)::text"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The standby did not replay the primary's WAL up to " + written
                        + " within " + timeout);
            }
            Pause.millis(50);
        }
    }

    /**
     * Writes a record of the primary's running transactions ({@code pg_log_standby_snapshot()}), which a slot being
     * created on the standby waits for (the primary writes one every 15 s only while it is busy).
     */
    public void logStandbySnapshot() {
        query(primary, "SELECT pg_log_standby_snapshot()::text");
    }

    private static String query(PostgresServer server, String sql) {
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + server + ": " + e.getMessage(), e);
        }
    }

    private static String port(PostgresServer server) {
        String hostAndPort = server.hostAndPort();
        return hostAndPort.substring(hostAndPort.lastIndexOf(':') + 1);
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                // With its permissions: PostgreSQL refuses a data directory others may read.
                if (!file.getFileName().toString().equals("postmaster.pid")) {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy " + from + " to " + to, e);
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + directory, e);
        }
    }

    /** Stops the standby, then the primary, and deletes both data directories. */
    @Override
    public void close() {
        try {
            standby.close();
        } finally {
            primary.close();
            delete(directory);
        }
    }
}
