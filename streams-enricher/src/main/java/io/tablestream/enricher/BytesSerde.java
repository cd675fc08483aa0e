package io.tablestream.enricher;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A serde whose serializer and deserializer are its own {@link #toBytes} and {@link #fromBytes}. */
interface BytesSerde<T> extends Serde<T> {

    byte[] toBytes(String topic, T data);

    T fromBytes(String topic, byte[] bytes);

    @Override
    default Serializer<T> serializer() {
        return this::toBytes;
    }

    @Override
    default Deserializer<T> deserializer() {
        return this::fromBytes;
    }
}
