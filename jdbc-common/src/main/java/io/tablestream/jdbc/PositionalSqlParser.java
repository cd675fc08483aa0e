package io.tablestream.jdbc;

import org.jdbi.v3.core.statement.ParsedParameters;
import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.SqlParser;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The jdbi {@link SqlParser} for the SQL tablestream generates: it uses only {@code ?} placeholders, so the text goes to
 * the driver unchanged and only the placeholders outside "quoted identifiers" and 'literals' are counted. jdbi's default
 * colon parser cannot be used: it loses track of a quoted identifier that ends in an escaped quote, e.g.
 * {@code "Line ""No"""}, and then takes a later {@code "a:b"} for a named parameter; it also strips backslashes.
 */
public final class PositionalSqlParser implements SqlParser {

    @Override
    public ParsedSql parse(String sql, StatementContext ctx) {
        return ParsedSql.of(sql, ParsedParameters.positional(placeholders(sql)));
    }

    @Override
    public String nameParameter(String rawName, StatementContext ctx) {
        throw new UnsupportedOperationException("tablestream's SQL has positional parameters only, not :" + rawName);
    }

    /**
     * Counts {@code ?} outside quotes, comments and dollar-quoted strings, as the driver does (a user's query may
     * hold a comment such as {@code -- what's new?}); a doubled quote inside quotes closes and reopens them, which
     * keeps the count.
     */
    public static int placeholders(String sql) {
        int count = 0;
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '"' || c == '\'') {
                int close = sql.indexOf(c, i + 1);
                i = close < 0 ? sql.length() : close + 1;
            } else if (sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end + 1;
            } else if (sql.startsWith("/*", i)) {
                i = afterBlockComment(sql, i);
            } else if (c == '$' && (i == 0 || !isIdentifierPart(sql.charAt(i - 1))) && dollarTag(sql, i) != null) {
                String tag = dollarTag(sql, i);
                int close = sql.indexOf(tag, i + tag.length());
                i = close < 0 ? sql.length() : close + tag.length();
            } else {
                if (c == '?') {
                    count++;
                }
                i++;
            }
        }
        return count;
    }

    /** The index after the block comment opening at {@code start}; PostgreSQL's block comments nest. */
    private static int afterBlockComment(String sql, int start) {
        int depth = 0;
        int i = start;
        while (i < sql.length()) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    /** The dollar-quote tag ({@code $$}, {@code $body$}) opening at {@code start}, or null ({@code $1} is no tag). */
    private static String dollarTag(String sql, int start) {
        int i = start + 1;
        while (i < sql.length() && sql.charAt(i) != '$') {
            char c = sql.charAt(i);
            boolean first = i == start + 1;
            if (!(Character.isLetter(c) || c == '_' || (!first && Character.isDigit(c)))) {
                return null;
            }
            i++;
        }
        return i < sql.length() ? sql.substring(start, i + 1) : null;
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
