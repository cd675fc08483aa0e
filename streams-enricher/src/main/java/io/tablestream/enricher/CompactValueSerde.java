package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serde of the enricher's internal values in {@code stream} semantics: the records on the input repartition
 * topic and the lookup rows (their repartition topic, versioned store and changelog). Each of them is decoded
 * once per input record, so decoding must be cheap. Two forms, told apart by their first byte:
 * <ul>
 * <li>{@code [0x00][schema length: int32][schema as Connect JSON][values in binary]}, written when the serde has
 * no {@link InternalSchemas};</li>
 * <li>{@code [0x01][schema id: int64][values in binary]}, written when it has: the schema (several times the size
 * of the values of a typical row) is stored once in {@link InternalSchemas} instead of in every value.</li>
 * </ul>
 * Both are always read, so values written in either form (by an earlier build too) stay readable. A schema is
 * decoded once per distinct schema (cached by its bytes or id) and the values are read by their schema's types.
 * <p>
 * Values decode to what a Connect JSON round trip gives (same schema, same Java types, nulls kept), so the join
 * sees the same values whichever form a record is stored in. Values without a schema are written as Connect
 * JSON. Records that start with '{' are read as Connect JSON, so state stored in that form stays readable.
 * Thread-safe: one instance serves all stream threads.
 */
final class CompactValueSerde implements BytesSerde<SchemaAndValue> {

    static final byte FORMAT_COMPACT = 0;
    static final byte FORMAT_SCHEMA_ID = 1;
    /** Schemas change rarely; the bound only stops a misbehaving producer from growing the caches forever. */
    private static final int MAX_CACHED_SCHEMAS = 256;

    private final ConnectJsonSerde connectJson = ConnectJsonSerde.forValues();
    private final JsonConverter schemas = new JsonConverter();
    private final ObjectMapper json = new ObjectMapper();
    /** Null: each value carries its schema. */
    private final InternalSchemas ids;
    private final Map<Schema, EncodedSchema> encodedSchemas = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, Schema> decodedSchemas = new ConcurrentHashMap<>();
    private final Map<Long, Schema> schemasById = new ConcurrentHashMap<>();
    private volatile EncodedSchema lastEncoded;
    private volatile DecodedSchema lastDecoded;
    private volatile IdentifiedSchema lastById;

    /** {@code id} is meaningful only when the serde has {@link InternalSchemas}. */
    private record EncodedSchema(Schema schema, byte[] bytes, long id) {
    }

    private record IdentifiedSchema(long id, Schema schema) {
    }

    /** {@code bytes} is never moved (its position stays 0), so threads may compare it at once. */
    private record DecodedSchema(ByteBuffer bytes, Schema schema) {
    }

    /** Writes each value with its schema, for stores and topics read by no other build than this one's. */
    CompactValueSerde() {
        this(null);
    }

    /** Writes each value with the id {@code ids} gives its schema. */
    CompactValueSerde(InternalSchemas ids) {
        this.ids = ids;
        schemas.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "true",
                JsonConverterConfig.REPLACE_NULL_WITH_DEFAULT_CONFIG, "false"), false);
    }

    @Override
    public byte[] toBytes(String topic, SchemaAndValue row) {
        if (row == null) {
            return null;
        }
        RecordBuffer buffer = RecordBuffer.start();
        try {
            write(buffer.data(), topic, row);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.finish();
    }

    /** Writes a non-null {@code row} as {@link #toBytes} returns it, so a serde that embeds it copies it once. */
    void write(DataOutputStream out, String topic, SchemaAndValue row) throws IOException {
        if (row.schema() == null) {
            out.write(connectJson.toBytes(topic, row));
            return;
        }
        // Converters cache their schemas, so consecutive values nearly always carry the very same instance:
        // checking it first skips hashing the whole schema for each value.
        EncodedSchema last = lastEncoded;
        EncodedSchema schema = last != null && last.schema() == row.schema() ? last : encodedSchemas.get(row.schema());
        if (schema == null) {
            if (encodedSchemas.size() >= MAX_CACHED_SCHEMAS) {
                encodedSchemas.clear();
            }
            byte[] json = schemas.asJsonSchema(row.schema()).toString().getBytes(StandardCharsets.UTF_8);
            schema = new EncodedSchema(row.schema(), json, ids == null ? 0 : ids.register(json));
            encodedSchemas.put(row.schema(), schema);
        }
        if (last != schema) {
            lastEncoded = schema;
        }
        if (ids == null) {
            out.writeByte(FORMAT_COMPACT);
            out.writeInt(schema.bytes().length);
            out.write(schema.bytes());
        } else {
            out.writeByte(FORMAT_SCHEMA_ID);
            out.writeLong(schema.id());
        }
        write(out, row.schema(), row.value());
    }

    @Override
    public SchemaAndValue fromBytes(String topic, byte[] bytes) {
        return bytes == null ? null : fromBytes(topic, bytes, 0);
    }

    /** Reads a value written by {@link #toBytes} that fills {@code bytes} from {@code offset} to its end. */
    SchemaAndValue fromBytes(String topic, byte[] bytes, int offset) {
        byte format = bytes.length == offset ? -1 : bytes[offset];
        if (format != FORMAT_COMPACT && format != FORMAT_SCHEMA_ID) {
            return connectJson.fromBytes(topic, offset == 0 ? bytes : Arrays.copyOfRange(bytes, offset, bytes.length));
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes, offset + 1, bytes.length - offset - 1);
            Schema schema;
            if (format == FORMAT_SCHEMA_ID) {
                schema = schemaById(in.getLong());
            } else {
                int schemaLength = in.getInt();
                schema = schema(ByteBuffer.wrap(bytes, in.position(), schemaLength).slice());
                in.position(in.position() + schemaLength);
            }
            return new SchemaAndValue(schema, read(in, schema));
        } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException | IOException e) {
            throw new SerializationException("Corrupt enricher value in topic '" + topic + "' ("
                    + (bytes.length - offset) + " bytes)", e);
        }
    }

    private Schema schemaById(long id) throws IOException {
        IdentifiedSchema last = lastById;
        if (last != null && last.id() == id) {
            return last.schema();
        }
        Schema schema = schemasById.get(id);
        if (schema == null) {
            if (ids == null) {
                throw new SerializationException("An enricher value names its schema by id "
                        + Long.toHexString(id) + ", but this serde has no schema store to look it up");
            }
            schema = schemas.asConnectSchema(json.readTree(ids.schemaJson(id)));
            if (schemasById.size() >= MAX_CACHED_SCHEMAS) {
                schemasById.clear();
            }
            schemasById.put(id, schema);
        }
        lastById = new IdentifiedSchema(id, schema);
        return schema;
    }

    private Schema schema(ByteBuffer encoded) throws IOException {
        // As when encoding, consecutive values nearly always carry the same schema: comparing its bytes with the
        // last one's skips hashing them for the map.
        DecodedSchema last = lastDecoded;
        if (last != null && last.bytes().equals(encoded)) {
            return last.schema();
        }
        Schema schema = decodedSchemas.get(encoded);
        ByteBuffer key = encoded;
        if (schema == null) {
            byte[] copy = new byte[encoded.remaining()];
            encoded.duplicate().get(copy);
            schema = schemas.asConnectSchema(json.readTree(copy));
            if (decodedSchemas.size() >= MAX_CACHED_SCHEMAS) {
                decodedSchemas.clear();
            }
            key = ByteBuffer.wrap(copy);
            decodedSchemas.put(key, schema);
        } else {
            byte[] copy = new byte[encoded.remaining()];
            encoded.duplicate().get(copy);
            key = ByteBuffer.wrap(copy);
        }
        lastDecoded = new DecodedSchema(key, schema);
        return schema;
    }

    /** One presence byte, then the value as its schema's (logical) type says. */
    private static void write(DataOutputStream out, Schema schema, Object value) throws IOException {
        if (value == null) {
            out.writeByte(0);
            return;
        }
        out.writeByte(1);
        String logical = schema.name() == null ? "" : schema.name();
        switch (logical) {
            case Decimal.LOGICAL_NAME -> writeBytes(out, Decimal.fromLogical(schema, (BigDecimal) value));
            case Date.LOGICAL_NAME -> out.writeInt(Date.fromLogical(schema, (java.util.Date) value));
            case Time.LOGICAL_NAME -> out.writeInt(Time.fromLogical(schema, (java.util.Date) value));
            case Timestamp.LOGICAL_NAME -> out.writeLong(Timestamp.fromLogical(schema, (java.util.Date) value));
            default -> writePlain(out, schema, value);
        }
    }

    private static void writePlain(DataOutputStream out, Schema schema, Object value) throws IOException {
        switch (schema.type()) {
            case INT8 -> out.writeByte((Byte) value);
            case INT16 -> out.writeShort((Short) value);
            case INT32 -> out.writeInt((Integer) value);
            case INT64 -> out.writeLong((Long) value);
            case FLOAT32 -> out.writeFloat((Float) value);
            case FLOAT64 -> out.writeDouble((Double) value);
            case BOOLEAN -> out.writeBoolean((Boolean) value);
            case STRING -> writeBytes(out, ((String) value).getBytes(StandardCharsets.UTF_8));
            case BYTES -> writeBytes(out, value instanceof ByteBuffer buffer ? bytesOf(buffer) : (byte[]) value);
            case ARRAY -> {
                List<?> list = (List<?>) value;
                out.writeInt(list.size());
                for (Object element : list) {
                    write(out, schema.valueSchema(), element);
                }
            }
            case MAP -> {
                Map<?, ?> map = (Map<?, ?>) value;
                out.writeInt(map.size());
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    write(out, schema.keySchema(), entry.getKey());
                    write(out, schema.valueSchema(), entry.getValue());
                }
            }
            case STRUCT -> {
                Struct struct = (Struct) value;
                for (Field field : schema.fields()) {
                    write(out, field.schema(), struct.getWithoutDefault(field.name()));
                }
            }
            default -> throw new DataException("Cannot write an enricher value of type " + schema.type());
        }
    }

    private static Object read(ByteBuffer in, Schema schema) {
        if (in.get() == 0) {
            return null;
        }
        String logical = schema.name() == null ? "" : schema.name();
        return switch (logical) {
            case Decimal.LOGICAL_NAME -> Decimal.toLogical(schema, readBytes(in));
            case Date.LOGICAL_NAME -> Date.toLogical(schema, in.getInt());
            case Time.LOGICAL_NAME -> Time.toLogical(schema, in.getInt());
            case Timestamp.LOGICAL_NAME -> Timestamp.toLogical(schema, in.getLong());
            default -> readPlain(in, schema);
        };
    }

    private static Object readPlain(ByteBuffer in, Schema schema) {
        switch (schema.type()) {
            case INT8: return in.get();
            case INT16: return in.getShort();
            case INT32: return in.getInt();
            case INT64: return in.getLong();
            case FLOAT32: return in.getFloat();
            case FLOAT64: return in.getDouble();
            case BOOLEAN: return in.get() != 0;
            case STRING: return new String(readBytes(in), StandardCharsets.UTF_8);
            case BYTES: return readBytes(in);
            case ARRAY: {
                int size = in.getInt();
                List<Object> list = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    list.add(read(in, schema.valueSchema()));
                }
                return list;
            }
            case MAP: {
                int size = in.getInt();
                Map<Object, Object> map = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    map.put(read(in, schema.keySchema()), read(in, schema.valueSchema()));
                }
                return map;
            }
            case STRUCT: {
                Struct struct = new Struct(schema);
                for (Field field : schema.fields()) {
                    struct.put(field, read(in, field.schema()));
                }
                return struct;
            }
            default:
                throw new DataException("Cannot read an enricher value of type " + schema.type());
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("length " + length);
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
