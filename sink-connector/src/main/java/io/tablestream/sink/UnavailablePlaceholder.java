package io.tablestream.sink;

import io.tablestream.jdbc.Json;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Debezium's {@code unavailable.value.placeholder}: what its PostgreSQL connector puts, in an update, in a field whose
 * value the change did not carry (an unchanged TOASTed column under REPLICA IDENTITY DEFAULT). Its forms, by column
 * type (Debezium's UnchangedToastedPlaceholder): the text; its UTF-8 bytes ({@code bytea}); a one-element array of
 * the text or of the bytes ({@code text[]}, {@code bytea[]} and other arrays); the bytes as a list of Integer or Long
 * ({@code int[]}, {@code bigint[]}); the map {placeholder: placeholder} ({@code hstore}, also as that JSON object under
 * {@code hstore.handling.mode=json}); a one-element list of the UUID named by the bytes ({@code uuid[]}); a geometry
 * of {@code SRID=4326;POINT(-99999999 -99999999)}, a geography of {@code SRID=4326;POINT(179.999999 89.999999)}, a
 * point (-99999999, -99999999). Written, it would replace the stored value; a field holding it is an unavailable
 * column, left as it is. Which fields can hold which form is worked out once per value schema.
 */
final class UnavailablePlaceholder {

    private static final int MAX_CACHED_SCHEMAS = 1000;
    /** SRID=4326;POINT(-99999999 -99999999) as EWKB. */
    private static final byte[] GEOMETRY_WKB =
            HexFormat.of().parseHex("0101000020e6100000000000fc83d797c1000000fc83d797c1");
    /** SRID=4326;POINT(179.999999 89.999999) as EWKB. */
    private static final byte[] GEOGRAPHY_WKB =
            HexFormat.of().parseHex("0101000020e61000000c21e7fdff7f66401842cefbff7f5640");
    private static final double POINT_COORDINATE = -99999999;

    private final String text;
    private final byte[] bytes;
    private final List<Integer> ints;
    private final List<Long> longs;
    private final Map<String, String> hstore;
    private final String uuid;
    /** Per value schema (by identity: converters reuse a schema's instance), the fields that can hold a form. */
    private final Map<Schema, List<FieldCheck>> checks = new IdentityHashMap<>();

    private record FieldCheck(Field field, Predicate<Object> isPlaceholder) {
    }

    /** {@code text} empty: no value is a placeholder. */
    UnavailablePlaceholder(String text) {
        this.text = text.isEmpty() ? null : text;
        this.bytes = text.getBytes(StandardCharsets.UTF_8);
        List<Integer> intList = new ArrayList<>(bytes.length);
        List<Long> longList = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            intList.add((int) b);
            longList.add((long) b);
        }
        this.ints = List.copyOf(intList);
        this.longs = List.copyOf(longList);
        this.hstore = Map.of(text, text);
        this.uuid = UUID.nameUUIDFromBytes(bytes).toString();
    }

    boolean enabled() {
        return text != null;
    }

    /** The names of the row's fields that hold the placeholder; empty for none (or no placeholder). */
    Set<String> fields(Object row) {
        if (text == null) {
            return Set.of();
        }
        Set<String> names = null;
        if (row instanceof Struct struct) {
            for (FieldCheck check : checksOf(struct.schema())) {
                Object value = struct.get(check.field());
                if (value != null && check.isPlaceholder().test(value)) {
                    names = add(names, check.field().name());
                }
            }
        } else if (row instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (isAnyForm(entry.getValue())) {
                    names = add(names, String.valueOf(entry.getKey()));
                }
            }
        }
        return names == null ? Set.of() : Set.copyOf(names);
    }

    private List<FieldCheck> checksOf(Schema schema) {
        List<FieldCheck> known = checks.get(schema);
        if (known != null) {
            return known;
        }
        if (checks.size() >= MAX_CACHED_SCHEMAS) {
            checks.clear();
        }
        List<FieldCheck> found = new ArrayList<>();
        for (Field field : schema.fields()) {
            Predicate<Object> check = checkFor(field.schema());
            if (check != null) {
                found.add(new FieldCheck(field, check));
            }
        }
        checks.put(schema, List.copyOf(found));
        return found;
    }

    /** How a value of {@code schema} holds the placeholder; null where it cannot. */
    private Predicate<Object> checkFor(Schema schema) {
        return switch (schema.type()) {
            case STRING -> this::isTextForm;
            case BYTES -> this::isBytes;
            case MAP -> hstore::equals;
            case ARRAY -> switch (schema.valueSchema().type()) {
                case INT32 -> ints::equals;
                case INT64 -> longs::equals;
                default -> this::isOneElementForm;
            };
            case STRUCT -> isGeometry(schema) ? this::isGeometryForm
                    : isPoint(schema) ? UnavailablePlaceholder::isPointForm : null;
            default -> null;
        };
    }

    /** Any form, for a schemaless row whose value types are all that is known. */
    private boolean isAnyForm(Object value) {
        if (value instanceof String string) {
            return isTextForm(string);
        }
        if (value instanceof List<?> list) {
            return ints.equals(list) || longs.equals(list) || isOneElementForm(list);
        }
        return isBytes(value) || hstore.equals(value);
    }

    /** The text, or hstore's JSON object of it. */
    private boolean isTextForm(Object value) {
        String string = (String) value;
        if (string.equals(text)) {
            return true;
        }
        if (!string.startsWith("{") || string.length() < 2 * text.length() || string.length() > 2 * text.length() + 16
                || !string.contains(text)) {
            return false;
        }
        try {
            return hstore.equals(Json.parse(string));
        } catch (IllegalArgumentException notJson) {
            return false;
        }
    }

    private boolean isBytes(Object value) {
        if (value instanceof byte[] array) {
            return Arrays.equals(array, bytes);
        }
        return value instanceof ByteBuffer buffer && buffer.equals(ByteBuffer.wrap(bytes));
    }

    private boolean isOneElementForm(Object value) {
        if (!(value instanceof List<?> list) || list.size() != 1) {
            return false;
        }
        Object element = list.get(0);
        return text.equals(element) || uuid.equals(element) || isBytes(element);
    }

    private static boolean isGeometry(Schema schema) {
        return schema.field("wkb") != null && schema.field("wkb").schema().type() == Schema.Type.BYTES;
    }

    private boolean isGeometryForm(Object value) {
        Struct struct = (Struct) value;
        if (isPoint(struct.schema()) && isPointForm(struct)) {
            return true;
        }
        Object wkb = struct.get("wkb");
        byte[] array = wkb instanceof ByteBuffer buffer ? bytesOf(buffer) : (byte[]) wkb;
        return Arrays.equals(array, GEOMETRY_WKB) || Arrays.equals(array, GEOGRAPHY_WKB);
    }

    private static boolean isPoint(Schema schema) {
        Field x = schema.field("x");
        Field y = schema.field("y");
        return x != null && y != null && x.schema().type() == Schema.Type.FLOAT64
                && y.schema().type() == Schema.Type.FLOAT64;
    }

    private static boolean isPointForm(Object value) {
        Struct struct = (Struct) value;
        return Double.valueOf(POINT_COORDINATE).equals(struct.get("x"))
                && Double.valueOf(POINT_COORDINATE).equals(struct.get("y"));
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return array;
    }

    private static Set<String> add(Set<String> names, String name) {
        Set<String> set = names == null ? new LinkedHashSet<>() : names;
        set.add(name);
        return set;
    }
}
