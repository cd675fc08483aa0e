package io.tablestream.local;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoHintsTest {

    private static final PsqlCommand PSQL = new PsqlCommand("localhost", 41234, "postgres", "shop");

    @Test
    void cdcHintsNameThePortTheSqlAndTheTopology() {
        LocalStackOptions options = LocalStackOptions.parse(new String[] {"--demo"}, Path.of("/p"));
        String hints = Demo.hints(PSQL, options);
        assertTrue(hints.contains("psql -h localhost -p 41234 -U postgres shop   (or: ./tablestream-local --psql)"), hints);
        assertTrue(hints.contains("DELETE FROM orders WHERE id = (SELECT min(id) FROM orders) RETURNING id;   -- its row leaves enriched_orders"), hints);
        assertTrue(hints.contains("docs/enricher-topology.md"), hints);
    }

    @Test
    void pollingHintsSayTheDeleteIsNotSeenAndPsqlNeedsTheDataDir() {
        LocalStackOptions options = LocalStackOptions.parse(
                new String[] {"--demo", "--source", "polling", "--data-dir", "/tmp/shop"}, Path.of("/p"));
        String hints = Demo.hints(PSQL, options);
        assertTrue(hints.contains("(or: ./tablestream-local --data-dir /tmp/shop --psql)"), hints);
        assertTrue(hints.contains("the polling source cannot see it: its row stays in enriched_orders"), hints);
    }
}
