package io.tablestream.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@value PostgresServer#URL_ENV} code path, pointed at the stack's own server. */
@ExtendWith(TablestreamStack.class)
class ExternalPostgresIT {

    @Test
    void externalServerFromJdbcUrl(PostgresServer stackPostgres) throws Exception {
        String url = stackPostgres.jdbcUrl("postgres")
                + (stackPostgres.jdbcUrl("postgres").contains("?") ? "&" : "?")
                + "user=" + stackPostgres.user() + "&ApplicationName=external-it";
        try (PostgresServer external = PostgresServer.external(url, null, stackPostgres.password())) {
            assertFalse(external.isEmbedded());
            assertEquals(stackPostgres.user(), external.user());
            String dbUrl = external.createDatabase("external_it");
            assertTrue(dbUrl.endsWith("/external_it?ApplicationName=external-it"), dbUrl);
            try (Connection c = external.connect("external_it");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select current_database(), current_setting('application_name')")) {
                assertTrue(rs.next());
                assertEquals("external_it", rs.getString(1));
                assertEquals("external-it", rs.getString(2));
            }
            external.dropDatabase("external_it");
        }
    }
}
