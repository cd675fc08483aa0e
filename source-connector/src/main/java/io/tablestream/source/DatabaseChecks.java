package io.tablestream.source;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.PositionalSqlParser;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.source.cdc.PartitionedTables;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.TemplateEngine;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The part of {@code validate()} that asks the database: can we log in, do the tables exist, are the mode's columns
 * there and usable, does the query parse. Each problem lands on the field to change, saying what to do.
 */
final class DatabaseChecks {

    /** Seconds to wait for an unreachable host (and for the login), so validation answers quickly. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;
    /** Beyond this many tables, validation checks only the first ones (the tasks check every table at start). */
    private static final int MAX_TABLES_CHECKED = 50;

    private DatabaseChecks() {
    }

    static void check(PostgresSourceConfig config, Map<String, ConfigValue> fields) {
        Connection connection;
        try {
            connection = connect(config);
        } catch (SQLException e) {
            reportConnectionFailure(config, fields, e);
            return;
        }
        Jdbi jdbi = Jdbi.create(connection);
        jdbi.setTemplateEngine(TemplateEngine.NOP);
        jdbi.setSqlParser(new PositionalSqlParser());
        try (Handle handle = jdbi.open()) {
            PgTypeCatalog catalog = PgTypeCatalog.of(config.typeOptions());
            DbTimeZoneCheck zoneCheck = new DbTimeZoneCheck(config, false);
            if (config.mode() == Mode.QUERY || config.pollsQuery()) {
                checkQuery(handle, config, catalog, fields, zoneCheck);
            } else {
                checkTables(handle, config, catalog, fields, zoneCheck);
            }
        } catch (RuntimeException e) {
            add(fields, ConnectionConfig.CONNECTION_URL_CONFIG, "Checking the configuration against the database failed: "
                    + e.getMessage());
        }
    }

    private static Connection connect(PostgresSourceConfig config) throws SQLException {
        Properties props = new Properties();
        String user = config.getString(ConnectionConfig.CONNECTION_USER_CONFIG);
        Password password = config.getPassword(ConnectionConfig.CONNECTION_PASSWORD_CONFIG);
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null && password.value() != null) {
            props.setProperty("password", password.value());
        }
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(3 * CONNECT_TIMEOUT_SECONDS));
        String url = config.getString(ConnectionConfig.CONNECTION_URL_CONFIG);
        Connection connection = new org.postgresql.Driver().connect(url, props);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL JDBC URL", "08001");
        }
        return connection;
    }

    private static void reportConnectionFailure(PostgresSourceConfig config, Map<String, ConfigValue> fields, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String url = config.getString(ConnectionConfig.CONNECTION_URL_CONFIG);
        if (state.startsWith("28")) {
            add(fields, ConnectionConfig.CONNECTION_PASSWORD_CONFIG, "PostgreSQL refused the login of connection.user '"
                    + config.getString(ConnectionConfig.CONNECTION_USER_CONFIG) + "' (" + e.getMessage()
                    + "); fix connection.user / connection.password, or the server's pg_hba.conf");
        } else if ("3D000".equals(state)) {
            add(fields, ConnectionConfig.CONNECTION_URL_CONFIG, "The database in " + url + " does not exist ("
                    + e.getMessage() + "); fix the database name in connection.url");
        } else {
            add(fields, ConnectionConfig.CONNECTION_URL_CONFIG, "Cannot connect to " + url + " within "
                    + CONNECT_TIMEOUT_SECONDS + " s (" + e.getMessage() + "); check the host, port and database, and"
                    + " that PostgreSQL accepts connections from the Connect worker");
        }
    }

    private static void checkQuery(Handle handle, PostgresSourceConfig config, PgTypeCatalog catalog,
                                   Map<String, ConfigValue> fields, DbTimeZoneCheck zoneCheck) {
        TableSchema schema;
        try {
            schema = BulkQuerier.querySchema(handle, PositionalSqlParser.withoutTrailingSemicolons(
                    config.getString(PostgresSourceConfig.QUERY_CONFIG)), catalog, config.queryTopic());
        } catch (RuntimeException e) {
            add(fields, PostgresSourceConfig.QUERY_CONFIG, "PostgreSQL rejects the query: " + rootMessage(e)
                    + "; fix the SELECT (it must be a single query that could define a view)");
            return;
        }
        if (config.pollsQuery()) {
            checkModeColumns(handle, schema, "the query", config, fields, false, zoneCheck); // a query's columns do not say whether they can be NULL
        }
    }

    private static void checkTables(Handle handle, PostgresSourceConfig config, PgTypeCatalog catalog,
                                    Map<String, ConfigValue> fields, DbTimeZoneCheck zoneCheck) {
        TableSelector selector = PartitionedTables.forMode(config);
        List<TableId> candidates = selector.candidates(handle);
        for (TableId named : selector.namedTables()) {
            if (!candidates.contains(named)) {
                add(fields, PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG, PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG
                        + " names " + named + ", which does not exist, is not readable by connection.user, or is outside"
                        + " schema.pattern/table.types; create it, grant SELECT on it, or remove it from the list (a"
                        + " regular expression such as " + named.table() + ".* may match tables that do not exist yet)");
            }
        }
        String clashes = TableNameClashes.problem(config, selector.select(handle).keySet());
        if (clashes != null) {
            add(fields, PostgresSourceConfig.TABLE_INCLUDE_LIST_CONFIG, clashes);
        }
        // A pattern that matches nothing yet is fine: the connector waits for a matching table (TableMonitor).
        List<TableId> selected = candidates.stream().filter(selector::matches).toList();
        Mode mode = config.mode();
        if (!mode.incremental()) {
            return;
        }
        for (TableId table : selected.stream().limit(MAX_TABLES_CHECKED).toList()) {
            checkModeColumns(handle, TableSchema.read(handle, table, catalog), table.toString(), config, fields,
                    config.validateNonNull(), zoneCheck);
        }
    }

    /**
     * The incrementing and timestamp columns the mode reads exist in {@code schema} (a table, or the query: {@code
     * what}) and are usable, and a timestamp column without time zone is read in its writers' zone.
     */
    private static void checkModeColumns(Handle handle, TableSchema schema, String what, PostgresSourceConfig config,
                                         Map<String, ConfigValue> fields, boolean requireNotNull,
                                         DbTimeZoneCheck zoneCheck) {
        Mode mode = config.mode();
        if (mode.usesIncrementing()) {
            addIfProblem(fields, PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG, TableQuerier.columnProblem(
                    schema, config.incrementingColumn(), TableQuerier.INCREMENTING_TYPES,
                    PostgresSourceConfig.INCREMENTING_COLUMN_NAME_CONFIG, requireNotNull));
        }
        if (mode.usesTimestamp()) {
            addIfProblem(fields, PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG, TableQuerier.columnProblem(
                    schema, config.timestampColumn(), TableQuerier.TIMESTAMP_TYPES,
                    PostgresSourceConfig.TIMESTAMP_COLUMN_NAME_CONFIG, requireNotNull));
            if (fields.get(PostgresSourceConfig.DB_TIMEZONE_CONFIG).errorMessages().isEmpty()) { // once, not per table
                addIfProblem(fields, PostgresSourceConfig.DB_TIMEZONE_CONFIG,
                        zoneCheck.problem(handle, schema, what));
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static void addIfProblem(Map<String, ConfigValue> fields, String key, String problem) {
        if (problem != null) {
            add(fields, key, problem);
        }
    }

    private static void add(Map<String, ConfigValue> fields, String key, String message) {
        fields.get(key).addErrorMessage(message);
    }
}
