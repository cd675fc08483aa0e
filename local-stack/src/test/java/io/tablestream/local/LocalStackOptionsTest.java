package io.tablestream.local;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalStackOptionsTest {

    private static final Path PLUGINS = Path.of("/opt/plugins");

    @Test
    void defaultsWithoutArguments() {
        LocalStackOptions options = LocalStackOptions.parse(new String[0], PLUGINS);
        assertFalse(options.demo());
        assertEquals(LocalStackOptions.DemoSource.CDC, options.source());
        assertEquals(0, options.changes());
        assertEquals(5.0, options.rate());
        assertEquals(8083, options.restPort());
        assertEquals(Path.of(".tablestream-local").toAbsolutePath(), options.dataDir());
        assertEquals(Path.of("config").toAbsolutePath(), options.configDir());
        assertEquals(PLUGINS, options.pluginsDir());
    }

    @Test
    void everyOption() {
        LocalStackOptions options = LocalStackOptions.parse(new String[] {"--demo", "--source", "polling", "--rate", "50", "--changes", "100", "--data-dir", "/tmp/d",
                "--rest-port", "0", "--config-dir", "/tmp/c", "--plugins-dir", "/tmp/p"}, PLUGINS);
        assertEquals(new LocalStackOptions(true, LocalStackOptions.DemoSource.POLLING, 50, 100, Path.of("/tmp/d"), 0, Path.of("/tmp/c"), Path.of("/tmp/p")), options);
    }

    @Test
    void badInputNamesTheOptionAndTheValue() {
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> LocalStackOptions.parse(new String[] {"--rate", "fast"}, PLUGINS));
        assertTrue(rate.getMessage().startsWith("--rate must be a number, got 'fast'"), rate.getMessage());
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> LocalStackOptions.parse(new String[] {"--rest-port", "70000"}, PLUGINS));
        assertTrue(port.getMessage().startsWith("--rest-port must be between 0.0 and 65535.0, got 70000"), port.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LocalStackOptions.parse(new String[] {"--data-dir"}, PLUGINS));
        assertTrue(missing.getMessage().startsWith("--data-dir needs a value"), missing.getMessage());
        IllegalArgumentException source = assertThrows(IllegalArgumentException.class,
                () -> LocalStackOptions.parse(new String[] {"--source", "wal"}, PLUGINS));
        assertTrue(source.getMessage().startsWith("--source must be cdc or polling, got 'wal'"), source.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> LocalStackOptions.parse(new String[] {"--dmeo"}, PLUGINS));
        assertTrue(unknown.getMessage().startsWith("Unknown option --dmeo"), unknown.getMessage());
    }
}
