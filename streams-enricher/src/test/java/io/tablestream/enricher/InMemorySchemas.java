package io.tablestream.enricher;

import org.apache.kafka.common.errors.SerializationException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Internal schemas for topologies run by a TopologyTestDriver, which has no broker to keep them in; the ids are
 * {@link SchemaTopic}'s, so values are byte for byte those the app writes.
 */
final class InMemorySchemas implements InternalSchemas {

    private final Map<Long, byte[]> schemas = new ConcurrentHashMap<>();

    @Override
    public long register(byte[] schemaJson) {
        long id = SchemaTopic.idOf(schemaJson);
        schemas.putIfAbsent(id, schemaJson.clone());
        return id;
    }

    @Override
    public byte[] schemaJson(long id) {
        byte[] schema = schemas.get(id);
        if (schema == null) {
            throw new SerializationException("No schema with id " + Long.toHexString(id));
        }
        return schema;
    }
}
