package io.tablestream.benchmarks;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.Properties;
import java.util.function.Function;

/**
 * The enricher's job written by hand the way a Kafka Streams user would for this one schema, with a fixed-layout
 * binary serde on the internal topics and stores instead of Connect JSON, and Kafka's defaults otherwise:
 * <ul>
 * <li>{@link #topology}, the peer of the {@code stream} and {@code global} semantics (each order enriched once):
 * orders re-keyed by customer_id, a KStream-KTable left join on customers re-keyed by id, the order's key
 * restored;</li>
 * <li>{@link #foreignKeyTopology}, the peer of the {@code table} semantics (enriched orders re-emitted when their
 * customer changes): the orders as a table under their own key, a KTable-KTable foreign-key left join on
 * customers keyed by id.</li>
 * </ul>
 */
final class HandWrittenJoin {

    private record Order(byte[] key, Struct value) {
    }

    private record Customer(String name, String city) {
    }

    private HandWrittenJoin() {
    }

    static Topology topology(String orders, String customers, String output, Schema enriched) {
        JsonConverter json = BenchEnvironment.converter(false);
        StreamsBuilder builder = new StreamsBuilder();
        KTable<Integer, Customer> customersById = customersById(builder, customers, json);
        builder.stream(orders, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .map((key, value) -> {
                    Struct row = (Struct) json.toConnectData(orders, value).value();
                    return KeyValue.pair(row.getInt32("customer_id"), new Order(key, row));
                })
                .repartition(Repartitioned.with(Serdes.Integer(), ORDERS).withName("orders-by-customer"))
                .leftJoin(customersById, (order, customer) -> KeyValue.pair(order.key(),
                                json.fromConnectData(output, enriched, enrich(order.value(), customer, enriched))),
                        Joined.with(Serdes.Integer(), ORDERS, CUSTOMERS))
                .map((customerId, keyed) -> keyed)
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return builder.build();
    }

    static Topology foreignKeyTopology(String orders, String customers, String output, Schema enriched) {
        JsonConverter json = BenchEnvironment.converter(false);
        StreamsBuilder builder = new StreamsBuilder();
        KTable<Integer, Customer> customersById = customersById(builder, customers, json);
        builder.stream(orders, Consumed.with(Serdes.Bytes(), Serdes.ByteArray()))
                .mapValues(value -> (Struct) json.toConnectData(orders, value).value())
                .toTable(Materialized.<Bytes, Struct, KeyValueStore<Bytes, byte[]>>with(Serdes.Bytes(), ORDER_ROWS))
                .leftJoin(customersById, (Function<Struct, Integer>) order -> order.getInt32("customer_id"),
                        (order, customer) -> json.fromConnectData(output, enriched, enrich(order, customer, enriched)))
                .toStream()
                .to(output, Produced.with(Serdes.Bytes(), Serdes.ByteArray()));
        return builder.build();
    }

    private static KTable<Integer, Customer> customersById(StreamsBuilder builder, String customers,
                                                          JsonConverter json) {
        return builder
                .stream(customers, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .map((key, value) -> {
                    Struct row = (Struct) json.toConnectData(customers, value).value();
                    return KeyValue.pair(row.getInt32("id"), new Customer(row.getString("name"), row.getString("city")));
                })
                .repartition(Repartitioned.with(Serdes.Integer(), CUSTOMERS).withName("customers-by-id")
                        .withNumberOfPartitions(4))
                .toTable();
    }

    private static Struct enrich(Struct order, Customer customer, Schema enriched) {
        Struct out = new Struct(enriched);
        OrderRows.VALUE_SCHEMA.fields().forEach(f -> out.put(f.name(), order.get(f)));
        if (customer != null) {
            out.put("customer_name", customer.name()).put("customer_city", customer.city());
        }
        return out;
    }

    /**
     * {@code streamTableJoin}: the KStream-KTable join needs its tasks to wait for data on both inputs, or an order
     * processed before its customer reached the table is joined with none for good; the foreign-key join re-emits
     * the order when its customer arrives, so it keeps Kafka's default.
     */
    static Properties properties(String applicationId, String bootstrap, String stateDir, boolean streamTableJoin) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        if (streamTableJoin) {
            // A task waits up to 2 s for data on each of its input partitions (orders and customers) before
            // processing, so an order meets the customer rows that precede it in time.
            props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 2000L);
        }
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        return props;
    }

    private static final Serde<Customer> CUSTOMERS = serde(
            (out, c) -> { out.writeUTF(c.name()); out.writeUTF(c.city()); },
            in -> new Customer(in.readUTF(), in.readUTF()));

    private static final Serde<Order> ORDERS = serde((out, o) -> {
        out.writeInt(o.key().length);
        out.write(o.key());
        writeOrderRow(out, o.value());
    }, in -> new Order(in.readNBytes(in.readInt()), readOrderRow(in)));

    private static final Serde<Struct> ORDER_ROWS = serde(HandWrittenJoin::writeOrderRow, HandWrittenJoin::readOrderRow);

    private static void writeOrderRow(DataOutputStream out, Struct v) throws IOException {
        out.writeLong(v.getInt64("id"));
        out.writeInt(v.getInt32("customer_id"));
        byte[] amount = ((BigDecimal) v.get("amount")).unscaledValue().toByteArray();
        out.writeByte(amount.length);
        out.write(amount);
        out.writeUTF(v.getString("status"));
        out.writeLong(((Date) v.get("created_at")).getTime());
        out.writeUTF(v.getString("note"));
    }

    private static Struct readOrderRow(DataInputStream in) throws IOException {
        return new Struct(OrderRows.VALUE_SCHEMA).put("id", in.readLong()).put("customer_id", in.readInt())
                .put("amount", new BigDecimal(new BigInteger(in.readNBytes(in.readByte())), 2))
                .put("status", in.readUTF()).put("created_at", new Date(in.readLong())).put("note", in.readUTF());
    }

    private interface Writer<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static <T> Serde<T> serde(Writer<T> writer, Reader<T> reader) {
        return Serdes.serdeFrom((topic, value) -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                writer.write(out, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }, (topic, bytes) -> {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                return reader.read(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
