package io.tablestream.sink;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Debezium's {@code unavailable.value.placeholder}: what its PostgreSQL connector puts in a field whose value the
 * change did not carry (an unchanged TOASTed column of an update under REPLICA IDENTITY DEFAULT): the text, its UTF-8
 * bytes for a binary column, or an array holding only the text. Written, it would replace the stored value; a field
 * holding it is an unavailable column, left as it is.
 */
final class UnavailablePlaceholder {

    private final String text;
    private final byte[] bytes;

    /** {@code text} empty: no value is a placeholder. */
    UnavailablePlaceholder(String text) {
        this.text = text.isEmpty() ? null : text;
        this.bytes = text.getBytes(StandardCharsets.UTF_8);
    }

    /** The names of the row's fields that hold the placeholder; empty for none (or no placeholder). */
    Set<String> fields(Object row) {
        if (text == null) {
            return Set.of();
        }
        Set<String> names = null;
        if (row instanceof Struct struct) {
            for (Field field : struct.schema().fields()) {
                if (isPlaceholder(struct.get(field))) {
                    names = add(names, field.name());
                }
            }
        } else if (row instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (isPlaceholder(entry.getValue())) {
                    names = add(names, String.valueOf(entry.getKey()));
                }
            }
        }
        return names == null ? Set.of() : Set.copyOf(names);
    }

    private boolean isPlaceholder(Object value) {
        if (value instanceof String string) {
            return string.length() == text.length() && string.equals(text);
        }
        if (value instanceof byte[] array) {
            return Arrays.equals(array, bytes);
        }
        if (value instanceof ByteBuffer buffer) {
            return buffer.equals(ByteBuffer.wrap(bytes));
        }
        return value instanceof List<?> list && list.size() == 1 && isPlaceholder(list.get(0));
    }

    private static Set<String> add(Set<String> names, String name) {
        Set<String> set = names == null ? new LinkedHashSet<>() : names;
        set.add(name);
        return set;
    }
}
