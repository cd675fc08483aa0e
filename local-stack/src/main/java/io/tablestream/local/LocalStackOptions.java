package io.tablestream.local;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Command line of the local stack: {@code tablestream-local [--demo] [--rate N] [--data-dir DIR] [--rest-port PORT]
 * [--config-dir DIR] [--plugins-dir DIR]}.
 */
public record LocalStackOptions(boolean demo, double rate, Path dataDir, int restPort, Path configDir, Path pluginsDir) {

    public static final double DEFAULT_RATE = 5;
    public static final int DEFAULT_REST_PORT = 8083;
    public static final Path DEFAULT_DATA_DIR = Path.of(".tablestream-local");
    public static final Path DEFAULT_CONFIG_DIR = Path.of("config");

    static final String USAGE = String.join("\n",
            "Usage: tablestream-local [--demo] [--rate N] [--data-dir DIR] [--rest-port PORT] [--config-dir DIR] [--plugins-dir DIR]",
            "  --demo          create customers/orders tables in database shop, deploy config/source-shop.json and",
            "                  config/sink-enriched-orders.json through the REST API, generate orders, show progress",
            "  --rate N        demo orders inserted or updated per second (default " + (int) DEFAULT_RATE + ")",
            "  --data-dir DIR  where PostgreSQL and Kafka keep their data (kept across restarts) and the logs go"
                    + " (default " + DEFAULT_DATA_DIR + ")",
            "  --rest-port P   Connect REST port (default " + DEFAULT_REST_PORT + "; 0 picks a free one)",
            "  --config-dir D  worker, enricher and connector configs (default " + DEFAULT_CONFIG_DIR + ")",
            "  --plugins-dir D the worker's plugin.path (default: plugins/ next to the local-stack jar)",
            "PostgreSQL is embedded unless TABLESTREAM_PG_URL (with TABLESTREAM_PG_USER / TABLESTREAM_PG_PASSWORD) is set.");

    /** @throws IllegalArgumentException naming the option and value, with the usage */
    public static LocalStackOptions parse(String[] args, Path defaultPluginsDir) {
        boolean demo = false;
        double rate = DEFAULT_RATE;
        Path dataDir = DEFAULT_DATA_DIR;
        int restPort = DEFAULT_REST_PORT;
        Path configDir = DEFAULT_CONFIG_DIR;
        Path pluginsDir = defaultPluginsDir;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--demo" -> demo = true;
                case "--rate" -> rate = number(option, value(args, ++i, option), 0.1, 10_000);
                case "--data-dir" -> dataDir = Path.of(value(args, ++i, option));
                case "--rest-port" -> restPort = (int) number(option, value(args, ++i, option), 0, 65_535);
                case "--config-dir" -> configDir = Path.of(value(args, ++i, option));
                case "--plugins-dir" -> pluginsDir = Path.of(value(args, ++i, option));
                default -> throw new IllegalArgumentException("Unknown option " + option + "\n" + USAGE);
            }
        }
        return new LocalStackOptions(demo, rate, dataDir.toAbsolutePath(), restPort, configDir.toAbsolutePath(),
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
