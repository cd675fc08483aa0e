package io.tablestream.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.types.Password;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.TemplateEngine;

import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code connection.*} settings both connectors share, named as in Confluent's JDBC connectors. */
public final class ConnectionConfig {

    private static final String BINARY_TRANSFER_DISABLE = "binaryTransferDisable";
    /**
     * Values read as their text (getString) must be the server's text. From a statement's fifth run the driver
     * executes it server-prepared and receives these types in binary, then prints them its own way: point (1.0,2.0)
     * for (1,2), timetz in UTC without its offset, an unconstrained numeric as 1E-21.
     */
    private static final String TEXT_TRANSFER_TYPES = "POINT,BOX,OID_ARRAY,TIMETZ,NUMERIC";
    private static final Pattern BINARY_TRANSFER_DISABLE_PARAMETER =
            Pattern.compile("([?&])" + BINARY_TRANSFER_DISABLE + "=([^&]*)");

    public static final String GROUP = "Connection";

    public static final String CONNECTION_URL_CONFIG = "connection.url";
    private static final String CONNECTION_URL_DOC =
            "JDBC URL of the PostgreSQL database, e.g. jdbc:postgresql://localhost:5432/shop.";
    public static final String CONNECTION_USER_CONFIG = "connection.user";
    private static final String CONNECTION_USER_DOC = "Database user name.";
    public static final String CONNECTION_PASSWORD_CONFIG = "connection.password";
    private static final String CONNECTION_PASSWORD_DOC =
            "Database password. Never logged; prefer a config provider such as ${file:/secrets.properties:pg.password}.";
    public static final String CONNECTION_ATTEMPTS_CONFIG = "connection.attempts";
    private static final String CONNECTION_ATTEMPTS_DOC = "Source connector: how many connection attempts may fail in"
            + " a row before the task fails, at start and whenever the connection is lost later (in mode=cdc the"
            + " replication connection too); a successful connection starts the count anew. Counting the same way at"
            + " every moment bounds how long any outage goes unreported: after connection.attempts x"
            + " connection.backoff.ms the task shows as FAILED, where it can be alerted on and restarted, and it"
            + " resumes from its stored offset. Credentials refused and other permanent errors fail at once. Not used"
            + " by the sink, which retries transient database errors max.retries times.";
    public static final String CONNECTION_BACKOFF_MS_CONFIG = "connection.backoff.ms";
    private static final String CONNECTION_BACKOFF_MS_DOC = "Source connector: wait between connection attempts, and"
            + " before polling a table again after a transient error, in milliseconds. Not used by the sink (see"
            + " retry.backoff.ms).";

    private ConnectionConfig() {
    }

    /** Adds the connection settings to a connector's {@link ConfigDef}. */
    public static ConfigDef define(ConfigDef def) {
        int order = 0;
        return def
                .define(CONNECTION_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new JdbcUrlValidator(),
                        Importance.HIGH, CONNECTION_URL_DOC, GROUP, ++order, Width.LONG, "JDBC URL")
                .define(CONNECTION_USER_CONFIG, Type.STRING, null, Importance.HIGH, CONNECTION_USER_DOC,
                        GROUP, ++order, Width.MEDIUM, "User")
                .define(CONNECTION_PASSWORD_CONFIG, Type.PASSWORD, null, Importance.HIGH, CONNECTION_PASSWORD_DOC,
                        GROUP, ++order, Width.MEDIUM, "Password")
                .define(CONNECTION_ATTEMPTS_CONFIG, Type.INT, 3, ConfigDef.Range.atLeast(1), Importance.LOW,
                        CONNECTION_ATTEMPTS_DOC, GROUP, ++order, Width.SHORT, "Connection attempts")
                .define(CONNECTION_BACKOFF_MS_CONFIG, Type.LONG, 10_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        CONNECTION_BACKOFF_MS_DOC, GROUP, ++order, Width.SHORT, "Connection backoff (ms)");
    }

    /**
     * Session settings every connection runs first. The output of {@code interval} follows the session's
     * IntervalStyle, which a database or role may set: the driver (and tablestream's reading of pgoutput's text)
     * reads only the default {@code postgres} style, and reads {@code sql_standard}'s {@code +1-2 +3 +4:05:06}
     * silently as 4 hours 5 minutes 6 seconds.
     */
    public static final String SESSION_SETTINGS = "SET IntervalStyle = postgres";

    /**
     * Runs {@link #SESSION_SETTINGS} on a new connection where the server reports another style (it reports
     * IntervalStyle with every change), so a session that already has it costs no round trip; closes the connection
     * if that fails.
     */
    public static java.sql.Connection withSessionSettings(java.sql.Connection connection) throws java.sql.SQLException {
        try {
            if (!"postgres".equals(connection.unwrap(org.postgresql.PGConnection.class)
                    .getParameterStatus("IntervalStyle"))) {
                try (java.sql.Statement statement = connection.createStatement()) {
                    statement.execute(SESSION_SETTINGS);
                }
            }
        } catch (java.sql.SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    /** One {@link Jdbi} per task: it opens a connection per handle through the PostgreSQL driver. */
    public static Jdbi jdbi(AbstractConfig config) {
        Properties props = new Properties();
        String user = config.getString(CONNECTION_USER_CONFIG);
        Password password = config.getPassword(CONNECTION_PASSWORD_CONFIG);
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null && password.value() != null) {
            props.setProperty("password", password.value());
        }
        props.setProperty(BINARY_TRANSFER_DISABLE, TEXT_TRANSFER_TYPES);
        // Loaded through our own class loader: under Connect's plugin isolation DriverManager may not see the driver.
        org.postgresql.Driver driver = new org.postgresql.Driver();
        String url = withTextTransferTypes(config.getString(CONNECTION_URL_CONFIG));
        Jdbi jdbi = Jdbi.create(() -> {
            java.sql.Connection c = driver.connect(url, props);
            if (c == null) {
                throw new java.sql.SQLException("connection.url '" + url + "' is not a PostgreSQL JDBC URL");
            }
            return withSessionSettings(c);
        });
        // Our SQL is complete as built and uses only '?' placeholders; quoted names may contain '<', ':' or '?',
        // which jdbi's template engine and colon parser would otherwise rewrite.
        jdbi.setTemplateEngine(TemplateEngine.NOP);
        jdbi.setSqlParser(new PositionalSqlParser());
        return jdbi;
    }

    /**
     * The URL with the user's own {@code binaryTransferDisable} lists, if any (the driver reads the last), each extended by
     * {@link #TEXT_TRANSFER_TYPES}: the driver takes a URL parameter over the same property.
     */
    static String withTextTransferTypes(String url) {
        Matcher own = BINARY_TRANSFER_DISABLE_PARAMETER.matcher(url);
        return own.replaceAll(match -> Matcher.quoteReplacement(match.group(1) + BINARY_TRANSFER_DISABLE + "="
                + (match.group(2).isEmpty() ? "" : match.group(2) + ",") + TEXT_TRANSFER_TYPES));
    }

    /** Rejects URLs the PostgreSQL driver will not accept, naming the field and the expected form. */
    static final class JdbcUrlValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                return; // NO_DEFAULT_VALUE already reports the missing value
            }
            String url = value.toString();
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new org.apache.kafka.common.config.ConfigException(name, value,
                        "Expected a PostgreSQL JDBC URL such as jdbc:postgresql://host:5432/database");
            }
        }

        @Override
        public String toString() {
            return "jdbc:postgresql://host:port/database";
        }
    }
}
