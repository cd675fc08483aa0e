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

    /** Counts {@code ?} outside quotes; a doubled quote inside quotes closes and reopens them, which keeps the count. */
    public static int placeholders(String sql) {
        int count = 0;
        char quote = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '?') {
                count++;
            }
        }
        return count;
    }
}
