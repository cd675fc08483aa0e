package io.tablestream.source;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModeScopeTest {

    @Test
    void eachModeReadsItsOwnOptionsOnly() {
        assertTrue(ModeScope.reads(Mode.TIMESTAMP_INCREMENTING, "timestamp.column.name"));
        assertFalse(ModeScope.reads(Mode.INCREMENTING, "timestamp.column.name"));
        assertFalse(ModeScope.reads(Mode.CDC, "poll.interval.ms"));
        assertTrue(ModeScope.reads(Mode.CDC, "slot.name"));
        assertFalse(ModeScope.reads(Mode.BULK, "slot.name"));
        assertFalse(ModeScope.reads(Mode.QUERY, "table.include.list"));
        assertTrue(ModeScope.reads(Mode.QUERY, "connection.url"));
        assertEquals(EnumSet.allOf(Mode.class), ModeScope.modes("batch.max.rows"));
    }

    @Test
    void theReferenceNamesTheModes() {
        assertEquals("all", ModeScope.describe("topic.prefix"));
        assertEquals("all but query", ModeScope.describe("table.include.list"));
        assertEquals("all but cdc", ModeScope.describe("poll.interval.ms"));
        assertEquals("cdc", ModeScope.describe("snapshot.mode"));
        assertEquals("incrementing, timestamp+incrementing", ModeScope.describe("incrementing.column.name"));
    }

    @Test
    void optionsSetButNotReadByTheModeAreNamedWithWhereTheyApply() {
        Map<String, String> config = Map.of("mode", "cdc", "connection.url", "jdbc:postgresql://h/db",
                "timestamp.column.name", "updated_at", "poll.interval.ms", "1000", "slot.name", "s",
                "transforms", "unwrap");
        assertEquals(List.of("poll.interval.ms", "timestamp.column.name"), ModeScope.unread(Mode.CDC, config));
        assertEquals("timestamp.column.name is set, but mode=cdc does not read it (it applies to modes timestamp,"
                        + " timestamp+incrementing); it changes nothing: remove it, or choose a mode that uses it",
                ModeScope.unreadWarning(Mode.CDC, "timestamp.column.name"));
        assertEquals(List.of(), ModeScope.unread(Mode.INCREMENTING, Map.of("incrementing.column.name", "id")));
    }

    @Test
    void everyScopedOptionIsDefined() {
        for (String key : PostgresSourceConfig.CONFIG_DEF.names()) {
            assertFalse(ModeScope.modes(key).isEmpty(), key);
        }
        // A scope naming a key the ConfigDef lacks would silently never apply.
        for (String key : ModeScope.scopedKeys()) {
            assertTrue(PostgresSourceConfig.CONFIG_DEF.names().contains(key), key);
        }
    }
}
