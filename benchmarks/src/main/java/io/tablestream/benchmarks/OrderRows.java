package io.tablestream.benchmarks;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;

/**
 * The benchmark workload: an orders-like row (bigint id, int customer_id, numeric(12,2), text status,
 * timestamptz, 50-char text), as a table, as Connect records and as text COPY lines.
 */
final class OrderRows {

    static final Schema KEY_SCHEMA = SchemaBuilder.struct().name("bench.orders.Key")
            .field("id", Schema.INT64_SCHEMA).build();
    static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name("bench.orders.Value")
            .field("id", Schema.INT64_SCHEMA)
            .field("customer_id", Schema.INT32_SCHEMA)
            .field("amount", Decimal.builder(2).parameter("connect.decimal.precision", "12").build())
            .field("status", Schema.STRING_SCHEMA)
            .field("created_at", Timestamp.SCHEMA)
            .field("note", Schema.STRING_SCHEMA)
            .build();
    /** A row as Debezium's PostgreSQL connector writes it: a change envelope whose after is the row. */
    static final Schema ROW_SCHEMA = optionalCopy(VALUE_SCHEMA, "bench.public.orders.Value");
    static final Schema SOURCE_SCHEMA = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("db", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    static final Schema ENVELOPE_SCHEMA = SchemaBuilder.struct().name("bench.public.orders.Envelope")
            .field("before", ROW_SCHEMA)
            .field("after", ROW_SCHEMA)
            .field("source", SOURCE_SCHEMA)
            .field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    static final Schema CUSTOMER_KEY_SCHEMA = SchemaBuilder.struct().name("bench.customers.Key")
            .field("id", Schema.INT32_SCHEMA).build();
    static final Schema CUSTOMER_SCHEMA = SchemaBuilder.struct().name("bench.customers.Value")
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("city", Schema.STRING_SCHEMA)
            .build();

    private static final String[] STATUSES = {"new", "paid", "shipped", "delivered"};
    private static final long BASE_MILLIS = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    /** 50 characters. */
    static final String NOTE = "benchmark row with a fifty character long note ..";

    private OrderRows() {
    }

    static String createTable(String table) {
        return "CREATE TABLE " + table + " (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(12,2) NOT NULL,"
                + " status text NOT NULL, created_at timestamptz NOT NULL, note text NOT NULL)";
    }

    static int customerOf(long id, int customers) {
        return (int) (id % customers);
    }

    static BigDecimal amountOf(long id) {
        return BigDecimal.valueOf(id % 100_000, 2);
    }

    static Struct key(long id) {
        return new Struct(KEY_SCHEMA).put("id", id);
    }

    static Struct value(long id, int customers, String note) {
        return new Struct(VALUE_SCHEMA)
                .put("id", id)
                .put("customer_id", customerOf(id, customers))
                .put("amount", amountOf(id))
                .put("status", STATUSES[(int) (id % STATUSES.length)])
                .put("created_at", new Date(BASE_MILLIS + id))
                .put("note", note);
    }

    /** The row as the after of a create event (op=c), with the source block Debezium's PostgreSQL connector writes. */
    static Struct envelope(long id, int customers, String note) {
        Struct value = value(id, customers, note);
        Struct row = new Struct(ROW_SCHEMA);
        VALUE_SCHEMA.fields().forEach(f -> row.put(f.name(), value.get(f)));
        long ts = BASE_MILLIS + id;
        Struct source = new Struct(SOURCE_SCHEMA).put("version", "3.5.0.Final").put("connector", "postgresql")
                .put("name", "bench").put("ts_ms", ts).put("db", "bench").put("schema", "public").put("table", "orders")
                .put("lsn", id);
        return new Struct(ENVELOPE_SCHEMA).put("after", row).put("source", source).put("op", "c").put("ts_ms", ts);
    }

    private static Schema optionalCopy(Schema struct, String name) {
        SchemaBuilder builder = SchemaBuilder.struct().name(name).optional();
        struct.fields().forEach(f -> builder.field(f.name(), f.schema()));
        return builder.build();
    }

    static Struct customerKey(int id) {
        return new Struct(CUSTOMER_KEY_SCHEMA).put("id", id);
    }

    static Struct customer(int id) {
        return new Struct(CUSTOMER_SCHEMA).put("id", id).put("name", "customer " + id).put("city", "city " + (id % 50));
    }

    /** The row as a line of PostgreSQL's text COPY format (no value here needs escaping). */
    static void appendCopyLine(StringBuilder out, Struct value) {
        out.append(value.getInt64("id")).append('\t')
                .append(value.getInt32("customer_id")).append('\t')
                .append(((BigDecimal) value.get("amount")).toPlainString()).append('\t')
                .append(value.getString("status")).append('\t')
                .append(((Date) value.get("created_at")).toInstant()).append('\t')
                .append(value.getString("note")).append('\n');
    }
}
