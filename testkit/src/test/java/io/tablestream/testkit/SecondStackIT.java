package io.tablestream.testkit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A second IT class: gets the same stack (no second start) and injection into static/instance methods works. */
@ExtendWith(TablestreamStack.class)
class SecondStackIT {

    static PostgresServer postgres;

    @BeforeAll
    static void createDatabase(PostgresServer pg) {
        postgres = pg;
        pg.createDatabase("second_it");
    }

    @Test
    void sameStackForEveryClass(Stack stack, ConnectRestClient rest, KafkaBroker kafka) throws SQLException {
        StackSmokeIT.SEEN.compareAndSet(null, stack);
        assertSame(StackSmokeIT.SEEN.get(), stack);
        assertSame(stack.postgres(), postgres);
        assertSame(stack.rest(), rest);
        assertSame(stack.kafka(), kafka);
        try (Connection c = postgres.connect("second_it")) {
            assertTrue(c.isValid(5));
        }
        assertEquals(stack.connect().restUrl(), rest.baseUrl());
    }
}
