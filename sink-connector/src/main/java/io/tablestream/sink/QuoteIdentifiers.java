package io.tablestream.sink;

import io.tablestream.jdbc.ConfigEnum;
import io.tablestream.jdbc.Identifiers;
import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.errors.ConnectException;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How the sink writes table and column names into SQL ({@code quote.sql.identifiers}). {@code always} quotes every
 * name, so mixed case, spaces and reserved words work. {@code never} writes names bare and accepts only names that
 * mean the same bare as quoted (lower case, no reserved word), so both settings write the same tables.
 */
public enum QuoteIdentifiers implements ConfigEnum {
    ALWAYS,
    NEVER;

    private static final Pattern BARE = Pattern.compile("[a-z_][a-z0-9_$]*");
    /** PostgreSQL's reserved key words (pg_get_keywords() catcode R and T): no table or column may be named so bare. */
    private static final Set<String> RESERVED = Set.of("all", "analyse", "analyze", "and", "any", "array", "as",
            "asc", "asymmetric", "authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
            "column", "concurrently", "constraint", "create", "cross", "current_catalog", "current_date",
            "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "default",
            "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign",
            "freeze", "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect",
            "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
            "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
            "overlaps", "placing", "primary", "references", "returning", "right", "select", "session_user",
            "similar", "some", "symmetric", "system_user", "table", "tablesample", "then", "to", "trailing", "true",
            "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window", "with");

    /**
     * The table's name as written in SQL: {@code "schema"."table"}, or {@code schema.table} for never;
     * {@code nameSetting} is the config key that names the table, for the error message.
     */
    String table(TableId table, String nameSetting) {
        if (this == ALWAYS) {
            return table.quoted();
        }
        String fix = "change " + nameSetting;
        return bare(table.schema(), "Schema name", table, fix) + "." + bare(table.table(), "Table name", table, fix);
    }

    /** A column's name as written in SQL; {@code table} only names it in errors. */
    String column(String name, TableId table) {
        return this == ALWAYS ? Identifiers.quote(name)
                : bare(name, "Column name", table, "rename the record field (e.g. with Kafka's ReplaceField transform)");
    }

    /** The name unchanged when PostgreSQL reads it bare exactly as written; else a ConnectException naming the fix. */
    private static String bare(String name, String kind, TableId table, String fix) {
        Identifiers.quote(name); // the length and character checks every name gets
        String lower = name.toLowerCase(Locale.ROOT);
        String problem = BARE.matcher(name).matches() ? RESERVED.contains(name) ? "is a reserved word" : null
                : !name.equals(lower) && BARE.matcher(lower).matches()
                ? "has upper case letters, which PostgreSQL folds to lower case unless quoted"
                : "is not a plain identifier (lower case letters, digits, _ and $, not starting with a digit)";
        if (problem == null) {
            return name;
        }
        throw new ConnectException(kind + " '" + name + "' (table " + table + ") " + problem + ", so it cannot be "
                + "written unquoted with " + PostgresSinkConfig.QUOTE_SQL_IDENTIFIERS_CONFIG + "=" + NEVER.configValue()
                + ": set " + PostgresSinkConfig.QUOTE_SQL_IDENTIFIERS_CONFIG + "=" + ALWAYS.configValue()
                + " (the default), or " + fix);
    }

    @Override
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
