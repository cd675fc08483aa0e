package io.tablestream.jdbc.types;

/**
 * Writes a Connect value into a column of one PostgreSQL type in COPY's binary format: the bytes of the type's
 * receive function, without the length in front. Resolved once per column by
 * {@link PgTypeCatalog#binaryEncoder(PgColumn, org.apache.kafka.connect.data.Schema)}.
 */
@FunctionalInterface
public interface BinaryEncoder {

    /**
     * Writes {@code value} (never null: a null is the caller's -1 length); throws a
     * {@link org.apache.kafka.connect.errors.DataException} or ClassCastException when it does not fit.
     */
    void write(Object value, BinaryOut out);
}
