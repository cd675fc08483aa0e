package io.tablestream.source.cdc;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A list of strings as a JSON array of strings, for headers and offsets, which hold text and primitives only. */
final class JsonStrings {

    private JsonStrings() {
    }

    static String write(List<String> values) {
        return values.stream().map(JsonStrings::quote).collect(Collectors.joining(",", "[", "]"));
    }

    /** The strings of an array written by {@link #write}. */
    static List<String> read(String json) {
        List<String> values = new ArrayList<>();
        StringBuilder value = null;
        for (int i = 0; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (value == null) {
                if (ch == '"') {
                    value = new StringBuilder();
                }
            } else if (ch == '\\') {
                char escaped = json.charAt(++i);
                switch (escaped) {
                    case 'u' -> {
                        value.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    case 'n' -> value.append('\n');
                    case 't' -> value.append('\t');
                    case 'r' -> value.append('\r');
                    case 'b' -> value.append('\b');
                    case 'f' -> value.append('\f');
                    default -> value.append(escaped);
                }
            } else if (ch == '"') {
                values.add(value.toString());
                value = null;
            } else {
                value.append(ch);
            }
        }
        return values;
    }

    private static String quote(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        json.append(String.format("\\u%04x", (int) ch));
                    } else {
                        json.append(ch);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
