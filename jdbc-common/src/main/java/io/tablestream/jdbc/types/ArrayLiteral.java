package io.tablestream.jdbc.types;

/** PostgreSQL array literal syntax ({@code {"a","b\"c",NULL}}), shared by the typed and the schemaless writers. */
final class ArrayLiteral {

    private ArrayLiteral() {
    }

    /** Appends one element double-quoted, so commas, braces, spaces and the word NULL stay data. */
    static void appendQuoted(StringBuilder out, String text) {
        out.append('"');
        for (int c = 0; c < text.length(); c++) {
            char ch = text.charAt(c);
            if (ch == '"' || ch == '\\') {
                out.append('\\');
            }
            out.append(ch);
        }
        out.append('"');
    }
}
