package io.tablestream.sink;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Where records came from, for error messages that let a user find them, and the record shape checks. */
final class Records {

    private Records() {
    }

    /** {@code topic 'orders' partition 0 offset 42}. */
    static String position(SinkRecord record) {
        return "topic '" + record.topic() + "' partition " + record.kafkaPartition() + " offset " + record.kafkaOffset();
    }

    /** {@code topic 'orders' partition 0 offsets 10..20, topic 'orders' partition 1 offsets 7..7}. */
    static String offsetRanges(List<SinkRecord> records) {
        Map<String, long[]> ranges = new LinkedHashMap<>();
        for (SinkRecord r : records) {
            long[] range = ranges.computeIfAbsent("topic '" + r.topic() + "' partition " + r.kafkaPartition(),
                    k -> new long[] {r.kafkaOffset(), r.kafkaOffset()});
            range[0] = Math.min(range[0], r.kafkaOffset());
            range[1] = Math.max(range[1], r.kafkaOffset());
        }
        return ranges.entrySet().stream()
                .map(e -> e.getKey() + " offsets " + e.getValue()[0] + ".." + e.getValue()[1])
                .collect(Collectors.joining(", "));
    }

    /** The sink writes a Struct value with a Connect schema, or a schemaless map to an existing table. */
    static void requireWritableValue(SinkRecord record) {
        Schema schema = record.valueSchema();
        if (schema == null && record.value() instanceof Map<?, ?>) {
            return;
        }
        if (schema == null || schema.type() != Schema.Type.STRUCT || !(record.value() instanceof Struct)) {
            throw new ConnectException("The record at " + position(record) + " has "
                    + (schema == null ? "no value schema" : "a value of schema type " + schema.type())
                    + "; the PostgreSQL sink needs a Struct value with a Connect schema: use a value converter with "
                    + "schemas, e.g. JsonConverter with value.converter.schemas.enable=true, or Avro/Protobuf/JSON Schema; "
                    + "or a JSON object without a schema, written to an existing table by column name");
        }
    }
}
