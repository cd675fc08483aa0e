package io.tablestream.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PsqlCommandTest {

    @Test
    void shellCommandHasThePortAndQuotesArguments() {
        PsqlCommand psql = PsqlCommand.of("localhost:41234", "postgres", "shop");
        assertEquals("psql -h localhost -p 41234 -U postgres shop", psql.shellCommand(List.of()));
        assertEquals("psql -h localhost -p 41234 -U postgres shop -c 'table enriched_orders'",
                psql.shellCommand(List.of("-c", "table enriched_orders")));
        assertEquals(new PsqlCommand("db1", 5433, "u", "shop"), PsqlCommand.of("db1:5433,db2:5433", "u", "shop"));
    }

    @Test
    void writtenByTheStackReadByPsqlOption(@TempDir Path dataDir) {
        PsqlCommand psql = new PsqlCommand("localhost", 41234, "postgres", "shop");
        psql.write(dataDir);
        assertEquals(psql, PsqlCommand.read(dataDir));
        PsqlCommand.delete(dataDir);
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> PsqlCommand.read(dataDir));
        assertTrue(none.getMessage().startsWith("No local stack is running on data directory " + dataDir), none.getMessage());
    }
}
