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
     * hold a comment such as {@code -- what's new?}).
     */
    public static int placeholders(String sql) {
        int count = 0;
        int i = 0;
        while (i < sql.length()) {
            int after = afterQuotedOrComment(sql, i);
            if (after > i) {
                i = after;
            } else {
                if (sql.charAt(i) == '?') {
                    count++;
                }
                i++;
            }
        }
        return count;
    }

    /**
     * The statement without the semicolons, comments and white space that end it (a user's query such as
     * {@code SELECT ... ; -- note}), so that SQL appended to it or wrapped around it is not commented out or cut
     * off by a semicolon.
     */
    public static String withoutTrailingSemicolons(String sql) {
        int end = 0;
        int i = 0;
        while (i < sql.length()) {
            int after = afterQuotedOrComment(sql, i);
            boolean comment = sql.startsWith("--", i) || sql.startsWith("/*", i);
            if (after > i) {
                end = comment ? end : after;
                i = after;
            } else {
                char c = sql.charAt(i);
                if (c != ';' && !Character.isWhitespace(c)) {
                    end = i + 1;
                }
                i++;
            }
        }
        return sql.substring(0, end);
    }

    /**
     * The index after the quoted identifier, string, comment or dollar-quoted string opening at {@code i}, or
     * {@code i} when none opens there. A doubled quote inside quotes closes and reopens them, which ends at the same
     * place; in an escape string ({@code E'it\'s'}) a backslash escapes the next character.
     */
    private static int afterQuotedOrComment(String sql, int i) {
        char c = sql.charAt(i);
        if (c == '\'' && isEscapeStringPrefix(sql, i)) {
            int j = i + 1;
            while (j < sql.length() && sql.charAt(j) != '\'') {
                j += sql.charAt(j) == '\\' ? 2 : 1;
            }
            return Math.min(j + 1, sql.length());
        }
        if (c == '"' || c == '\'') {
            int close = sql.indexOf(c, i + 1);
            return close < 0 ? sql.length() : close + 1;
        }
        if (sql.startsWith("--", i)) {
            int end = sql.indexOf('\n', i);
            return end < 0 ? sql.length() : end + 1;
        }
        if (sql.startsWith("/*", i)) {
            return afterBlockComment(sql, i);
        }
        if (c == '$' && (i == 0 || !isIdentifierPart(sql.charAt(i - 1)))) {
            String tag = dollarTag(sql, i);
            if (tag != null) {
                int close = sql.indexOf(tag, i + tag.length());
                return close < 0 ? sql.length() : close + tag.length();
            }
        }
        return i;
    }

    /** Whether the quote at {@code quote} opens an escape string: E or e, itself not the end of a longer word. */
    private static boolean isEscapeStringPrefix(String sql, int quote) {
        return quote >= 1 && (sql.charAt(quote - 1) == 'E' || sql.charAt(quote - 1) == 'e')
                && (quote == 1 || !isIdentifierPart(sql.charAt(quote - 2)));
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
