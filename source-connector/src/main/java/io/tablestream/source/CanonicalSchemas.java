package io.tablestream.source;

import org.apache.kafka.connect.data.Schema;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * One instance per distinct schema in the worker, so records of one table carry the same schema object however
 * their schema was read (a snapshot chunk's reader, the stream's relation message, a polling query, again after a
 * restart of the task). Connect's {@code JsonConverter} caches the JSON of each schema it converts and finds a
 * record's schema there with {@code equals}: the same object is found by identity, an equal copy only by comparing
 * every field's schema, for every record. Schemas nothing references any more are dropped.
 */
final class CanonicalSchemas {

    private static final Map<Schema, WeakReference<Schema>> SCHEMAS = new WeakHashMap<>();

    private CanonicalSchemas() {
    }

    /** The instance equal to {@code schema} handed out first and still in use, else {@code schema} itself. */
    static Schema of(Schema schema) {
        synchronized (SCHEMAS) {
            WeakReference<Schema> known = SCHEMAS.get(schema);
            Schema canonical = known == null ? null : known.get();
            if (canonical == null) {
                SCHEMAS.put(schema, new WeakReference<>(schema));
                canonical = schema;
            }
            return canonical;
        }
    }
}
