package io.tablestream.enricher;

/**
 * Where the schemas of the enricher's internal values live, by id, so a value carries an 8-byte id instead of its
 * whole schema (a Connect schema in JSON is several times the size of the values it describes). A value is read by
 * another thread, another instance after a rebalance, or a restarted one: every one of them must find the schema
 * of an id that any of them wrote, so the schemas are kept in Kafka ({@link SchemaTopic}).
 */
interface InternalSchemas {

    /**
     * Stores {@code schemaJson} (if not stored already) and returns its id; the schema is durable before this
     * returns, so no value carrying the id can be read before its schema.
     */
    long register(byte[] schemaJson);

    /** The schema stored under {@code id}; an exception when there is none. */
    byte[] schemaJson(long id);
}
