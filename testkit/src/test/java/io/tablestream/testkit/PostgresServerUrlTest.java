package io.tablestream.testkit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PostgresServerUrlTest {

    @Test
    void credentialsComeOutOfTheUrl() {
        PostgresServer.ParsedUrl url = PostgresServer.ParsedUrl.parse(
                "jdbc:postgresql://db.example:5433/admin?user=me&password=p%40ss%26word&sslmode=disable", "envuser", "envpw");
        assertEquals("db.example:5433", url.hosts());
        assertEquals("admin", url.database());
        assertEquals("sslmode=disable", url.params());
        assertEquals("me", url.user());
        assertEquals("p@ss&word", url.password());
    }

    @Test
    void envFallbacksAndDefaults() {
        PostgresServer.ParsedUrl url = PostgresServer.ParsedUrl.parse("jdbc:postgresql://h1:5432,h2:5432/", "envuser", "envpw");
        assertEquals("h1:5432,h2:5432", url.hosts());
        assertEquals("postgres", url.database());
        assertEquals("", url.params());
        assertEquals("envuser", url.user());
        assertEquals("envpw", url.password());

        PostgresServer.ParsedUrl bare = PostgresServer.ParsedUrl.parse("jdbc:postgresql://localhost", null, null);
        assertEquals("postgres", bare.user());
        assertNull(bare.password());
    }

    @Test
    void rejectsOtherUrls() {
        assertThrows(IllegalArgumentException.class, () -> PostgresServer.ParsedUrl.parse("jdbc:mysql://x/y", null, null));
    }
}
