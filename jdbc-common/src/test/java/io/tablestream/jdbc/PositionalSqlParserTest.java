package io.tablestream.jdbc;

import org.jdbi.v3.core.statement.ParsedSql;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PositionalSqlParserTest {

    /** A catalog lookup as the sink writes it: placeholders next to quoted literals. */
    private static final String TABLE_EXISTS = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p', 'v', 'f'))";

    @Test
    void countsOnlyPlaceholdersOutsideQuotes() {
        assertEquals(2, PositionalSqlParser.placeholders("INSERT INTO \"t\" (\"a\", \"b\") VALUES (?, ?)"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT ? AS \"what?\", 'why?' AS \"a:b\""));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT \"Line \"\"No\"\"\", \"x?\" FROM t WHERE a = ?"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT 'it''s?', ?"));
        assertEquals(0, PositionalSqlParser.placeholders(TABLE_EXISTS.replace("?", "'x'")));
        assertEquals(2, PositionalSqlParser.placeholders(TABLE_EXISTS));
    }

    /** A user's query (mode=query, or wrapped by an incremental mode) may hold comments and dollar quotes. */
    @Test
    void countsNoPlaceholderInCommentsOrDollarQuotes() {
        assertEquals(2, PositionalSqlParser.placeholders("SELECT * FROM (SELECT a FROM t -- what's new?\n) q WHERE a > ? LIMIT ?"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT /* why? /* nested? */ it's */ a FROM t WHERE a > ?"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT $$it's?$$, $x$?$x$, a$b, ? FROM t"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT a - -1, ? FROM t"));
    }

    /** In an escape string a backslash escapes the quote after it; elsewhere a backslash is a character. */
    @Test
    void aBackslashEscapesAQuoteOnlyInAnEscapeString() {
        assertEquals(2, PositionalSqlParser.placeholders("SELECT * FROM (SELECT E'it\\'s', a FROM t) q WHERE a > ? LIMIT ?"));
        assertEquals(2, PositionalSqlParser.placeholders("SELECT e'\\\\', ? , ?"));
        assertEquals(2, PositionalSqlParser.placeholders("SELECT 'C:\\', ?, ?"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT type'\\', ?"));
    }

    /** A user's query may end in semicolons and comments; what is appended to it must not follow them. */
    @Test
    void dropsTheSemicolonsAndCommentsEndingAStatement() {
        assertEquals("SELECT a FROM t", PositionalSqlParser.withoutTrailingSemicolons("SELECT a FROM t ; -- note\n;/* x */ \n"));
        assertEquals("SELECT a FROM t", PositionalSqlParser.withoutTrailingSemicolons("SELECT a FROM t;;"));
        assertEquals("SELECT ';' -- one\n, $$;$$", PositionalSqlParser.withoutTrailingSemicolons("SELECT ';' -- one\n, $$;$$ -- two"));
        assertEquals("SELECT E'\\';'", PositionalSqlParser.withoutTrailingSemicolons("SELECT E'\\';';"));
    }

    @Test
    void passesGeneratedSqlThroughUnchanged() {
        // Statements as the sink generates them for table "x?"."y:z" with columns named to look like
        // placeholders, named parameters and escapes.
        String insertSql = "INSERT INTO \"x?\".\"y:z\" (\"Line \"\"No\"\"\", \"a:b?<c>\", \"back\\:slash\")"
                + " VALUES (?, ?, ?)";
        String createTableSql = "CREATE TABLE IF NOT EXISTS \"x?\".\"y:z\" (\"Line \"\"No\"\"\" integer NOT NULL,"
                + " \"a:b?<c>\" text, \"back\\:slash\" text)";

        ParsedSql parsed = new PositionalSqlParser().parse(insertSql, null);

        assertEquals(insertSql, parsed.getSql());
        assertTrue(parsed.getParameters().isPositional());
        assertEquals(3, parsed.getParameters().getParameterCount());
        assertEquals(0, new PositionalSqlParser().parse(createTableSql, null).getParameters().getParameterCount());
    }
}
