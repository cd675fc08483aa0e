package io.tablestream.jdbc;

/** Quoting of SQL identifiers: every name we splice into SQL goes through {@link #quote}. */
public final class Identifiers {

    /** PostgreSQL truncates longer names silently (NAMEDATALEN - 1), so we refuse them instead. */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    private Identifiers() {
    }

    /** Double-quotes a name, doubling embedded quotes, so any name (mixed case, spaces, reserved words) is taken literally. */
    public static String quote(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("An SQL identifier must not be empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("An SQL identifier must not contain a NUL character: '" + name.replace("\0", "\\0") + "'");
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
            throw new IllegalArgumentException("The SQL identifier '" + name + "' is longer than PostgreSQL's "
                    + MAX_IDENTIFIER_BYTES + "-byte limit; choose a shorter name");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Removes surrounding double quotes (undoubling inner ones); a bare name is returned as written. */
    public static String unquote(String name) {
        String n = name.trim();
        if (n.length() >= 2 && n.charAt(0) == '"' && n.charAt(n.length() - 1) == '"') {
            return n.substring(1, n.length() - 1).replace("\"\"", "\"");
        }
        return n;
    }

    /** Index of the first dot outside double quotes, or -1. */
    static int unquotedDot(String name) {
        boolean inQuotes = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"') {
                inQuotes = !inQuotes;
            } else if (c == '.' && !inQuotes) {
                return i;
            }
        }
        return -1;
    }
}
