package io.tablestream.sink;

/**
 * PostgreSQL COPY text format: tab between columns, newline after a row, \N for null, backslash escapes. The sink's
 * former String-based escaping, kept as the reference {@link CopyBuffer} must match byte for byte.
 */
final class CopyText {

    private CopyText() {
    }

    /** Appends one column value (already in PostgreSQL's text input form) escaped for COPY. */
    static void appendValue(StringBuilder line, String text) {
        if (text == null) {
            line.append("\\N");
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> line.append(c);
            }
        }
    }
}
