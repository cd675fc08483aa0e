package io.tablestream.jdbc.types;

/**
 * Where a {@link BinaryEncoder} writes a value in PostgreSQL's binary format (big-endian, as the type's send function
 * writes it): a sink's COPY buffer.
 */
public interface BinaryOut {

    void writeByte(int value);

    void writeShort(int value);

    void writeInt(int value);

    void writeLong(long value);

    void write(byte[] bytes, int offset, int length);

    /** The string as UTF-8, the client encoding the driver sets; an unpaired surrogate becomes '?'. */
    void writeUtf8(String text);
}
