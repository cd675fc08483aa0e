package io.tablestream.local;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Command line of the local stack: {@code tablestream-local [--demo] [--source cdc|polling] [--rate N] [--changes N]
 * [--data-dir DIR] [--rest-port PORT] [--config-dir DIR] [--plugins-dir DIR]}, or
 * {@code tablestream-local [--data-dir DIR] --psql [PSQL ARGS]}.
 *
 * @param changes demo changes to generate before the generator pauses; 0 = no pause
 */
public record LocalStackOptions(boolean demo, DemoSource source, double rate, long changes, Path dataDir, int restPort,
                                Path configDir, Path pluginsDir) {

    /** Which source connector JSON the demo deploys. */
    public enum DemoSource {
        /** config/source-shop.json: mode=cdc, sees inserts, updates and deletes. */
        CDC("source-shop.json", true),
        /** config/source-shop-polling.json: mode=timestamp+incrementing, cannot see deletes. */
        POLLING("source-shop-polling.json", false);

        private final String file;
        private final boolean seesDeletes;

        DemoSource(String file, boolean seesDeletes) {
            this.file = file;
            this.seesDeletes = seesDeletes;
        }

        public String file() {
            return file;
        }

        public boolean seesDeletes() {
            return seesDeletes;
        }

        static DemoSource parse(String value) {
            for (DemoSource source : values()) {
                if (source.name().toLowerCase(Locale.ROOT).equals(value)) {
                    return source;
                }
            }
            throw new IllegalArgumentException("--source must be cdc or polling, got '" + value + "'\n" + USAGE);
        }
    }

    public static final double DEFAULT_RATE = 5;
    public static final int DEFAULT_REST_PORT = 8083;
    public static final Path DEFAULT_DATA_DIR = Path.of(".tablestream-local");
    public static final Path DEFAULT_CONFIG_DIR = Path.of("config");

    static final String USAGE = String.join("\n",
            "Usage: tablestream-local [--demo] [--source cdc|polling] [--rate N] [--changes N] [--data-dir DIR] [--rest-port PORT]",
            "                         [--config-dir DIR] [--plugins-dir DIR]",
            "       tablestream-local [--data-dir DIR] --psql [PSQL ARGS]",
            "  --demo          create customers/orders tables in database shop, deploy config/source-shop.json and",
            "                  config/sink-enriched-orders.json through the REST API, generate orders, show progress",
            "  --source S      the demo's source connector: cdc (default, config/source-shop.json: inserts, updates and",
            "                  deletes) or polling (config/source-shop-polling.json: no deletes, so the demo makes none)",
            "  --rate N        demo changes (inserts, updates, deletes) per second (default " + (int) DEFAULT_RATE + ")",
            "  --changes N     pause the demo's generator after N changes (default: never), e.g. to compare the tables",
            "  --data-dir DIR  where PostgreSQL and Kafka keep their data (kept across restarts) and the logs go"
                    + " (default " + DEFAULT_DATA_DIR + ")",
            "  --rest-port P   Connect REST port (default " + DEFAULT_REST_PORT + "; 0 picks a free one)",
            "  --config-dir D  worker, enricher and connector configs (default " + DEFAULT_CONFIG_DIR + ")",
            "  --plugins-dir D the worker's plugin.path (default: plugins/ next to the local-stack jar)",
            "  --psql          run psql on database shop of the stack running on --data-dir (arguments after it go to",
            "                  psql, e.g. --psql -c 'table enriched_orders'); without psql installed, print the command",
            "PostgreSQL is embedded unless TABLESTREAM_PG_URL (with TABLESTREAM_PG_USER / TABLESTREAM_PG_PASSWORD) is set.");

    /** @throws IllegalArgumentException naming the option and value, with the usage */
    public static LocalStackOptions parse(String[] args, Path defaultPluginsDir) {
        boolean demo = false;
        DemoSource source = DemoSource.CDC;
        double rate = DEFAULT_RATE;
        long changes = 0;
        Path dataDir = DEFAULT_DATA_DIR;
        int restPort = DEFAULT_REST_PORT;
        Path configDir = DEFAULT_CONFIG_DIR;
        Path pluginsDir = defaultPluginsDir;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--demo" -> demo = true;
                case "--source" -> source = DemoSource.parse(value(args, ++i, option));
                case "--rate" -> rate = number(option, value(args, ++i, option), 0.1, 10_000);
                case "--changes" -> changes = (long) number(option, value(args, ++i, option), 1, 1e9);
                case "--data-dir" -> dataDir = Path.of(value(args, ++i, option));
                case "--rest-port" -> restPort = (int) number(option, value(args, ++i, option), 0, 65_535);
                case "--config-dir" -> configDir = Path.of(value(args, ++i, option));
                case "--plugins-dir" -> pluginsDir = Path.of(value(args, ++i, option));
                default -> throw new IllegalArgumentException("Unknown option " + option + "\n" + USAGE);
            }
        }
        return new LocalStackOptions(demo, source, rate, changes, dataDir.toAbsolutePath(), restPort, configDir.toAbsolutePath(),
                pluginsDir.toAbsolutePath());
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static double number(String option, String value, double min, double max) {
        double n;
        try {
            n = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, got '" + value + "'\n" + USAGE, e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s must be between %s and %s, got %s%n%s",
                    option, min, max, value, USAGE));
        }
        return n;
    }
}
