package io.tablestream.e2e.reliability;

import io.tablestream.testkit.ConnectorConfigs;
import io.tablestream.testkit.ClassDatabase;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.tablestream.e2e.reliability.Fixtures.TIMEOUT;
import static io.tablestream.e2e.reliability.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random rows (fixed seed) over every type the source maps, with NULLs, numeric NaN and ±Infinity, extreme and BC
 * dates, empty arrays, NULL array elements and one 1 MB text, go source -> Kafka -> sink into a table of the same
 * definition; every column of every row reads back as the same text ({@code EXCEPT ALL} both ways).
 *
 * <p>{@code real} and {@code double precision} get no NaN, ±Infinity or -0: Kafka's JsonConverter reads all of them
 * back as 0.0 (NaN/±Infinity are written as JSON strings; -0.0 loses its sign), a converter limit, not the
 * connectors'. {@code numeric} NaN/±Infinity travel as text and survive.
 *
 * <p>The latest timestamp is 294246-12-31, not PostgreSQL's maximum 294276-12-31: microseconds since 1970 in an
 * INT64 end in January 294247 (PostgreSQL counts from 2000), and the source fails the task beyond that.
 */
@ExtendWith(TablestreamStack.class)
record TypeFuzzIT(Stack stack, ClassDatabase database) {

    private static final int RANDOM_ROWS = 300;

    /**
     * Column definition = SQL expression of a random value, one a line ({@code r()} is a fresh random() each use),
     * NULL one time in ten; a line ending in a backslash goes on on the next. No NaN, ±Infinity or -0 for real and
     * double: see the class comment.
     */
    private static final Map<String, String> COLUMNS = columns("""
            c_int2 smallint = (floor(random() * 65536) - 32768)::int::smallint
            c_int4 integer = (floor(random() * 4294967296) - 2147483648)::bigint::int
            c_int8 bigint = ((random() - 0.5) * 1.8e19)::numeric::bigint
            c_float4 real = (ARRAY['0', '1.4e-45', '3.4028235e38', '-3.4028235e38', ((random() - 0.5) * \
            1e30)::text])[1 + floor(random() * 5)::int]::real
            c_float8 double precision = (ARRAY['0', '4.9e-324', '1.7976931348623157e308', ((random() - 0.5) * \
            1e300)::text, random()::text])[1 + floor(random() * 5)::int]::double precision
            c_numeric numeric(20,5) = round(((random() - 0.5) * 1e15)::numeric, 5)
            c_numeric_free numeric = (ARRAY['NaN', 'Infinity', '-Infinity', '0.000000000000000000001', (random() * \
            1e30)::numeric::text || '.' || floor(random() * 1e9)::text])[1 + floor(random() * 5)::int]::numeric
            c_bool boolean = random() < 0.5
            c_text text = (ARRAY['', ' ', E'tab\\there', E'new\\nline', E'back\\\\slash', '\\N', 'NULL', \
            'Grüße 世界 🚀', md5(random()::text)])[1 + floor(random() * 9)::int]
            c_varchar varchar(10) = left(md5(random()::text), floor(random() * 11)::int)
            c_char char(3) = left(md5(random()::text), 3)
            c_bytea bytea = decode(left(md5(random()::text), 2 * floor(random() * 16)::int), 'hex')
            c_date date = date '2000-01-01' + (floor(random() * 2000000) - 1000000)::int
            c_time time = time '00:00' + floor(random() * 86400000000) * interval '1 microsecond'
            c_timetz timetz = ((time '00:00' + floor(random() * 86400000000) * interval '1 microsecond')::text || \
            (ARRAY['+00', '-05:30', '+14', '-12'])[1 + floor(random() * 4)::int])::timetz
            c_ts timestamp = timestamp '2000-01-01' + (random() - 0.5) * interval '600 years' + floor(random() * \
            1000000) * interval '1 microsecond'
            c_tstz timestamptz = timestamptz '2000-01-01 00:00:00+00' + (random() - 0.5) * interval '600 years'
            c_interval interval = make_interval(floor(random() * 200 - 100)::int, floor(random() * 24 - 12)::int, \
            0, floor(random() * 60 - 30)::int, 0, 0, round(((random() - 0.5) * 1e5)::numeric, 6)::float8)
            c_uuid uuid = md5(random()::text)::uuid
            c_json json = json_build_object('k', md5(random()::text), 'n', random(), 'a', json_build_array(1, 'x', \
            NULL))
            c_jsonb jsonb = jsonb_build_object('ключ', random() < 0.5, 'nested', jsonb_build_object('e', '[]'::jsonb))
            c_enum mood = (ARRAY['happy', 'sad', 'ünïcödé'])[1 + floor(random() * 3)::int]::mood
            c_int_array int[] = (ARRAY['{}', '{1,NULL,-3}', '{2147483647}', '{NULL}'])[1 + floor(random() * \
            4)::int]::int[]
            c_text_array text[] = (ARRAY['{}', '{\"a,b\",\"q\\\"uote\",NULL,\"\"}', '{\"Grüße\"}'])[1 + \
            floor(random() * 3)::int]::text[]
            c_numeric_array numeric(10,2)[] = ARRAY[round((random() * 1e7)::numeric, 2), NULL, -0.01]
            c_tstz_array timestamptz[] = ARRAY[timestamptz '1969-07-20 20:17:40.000001+00', now()]
            c_domain positive_int = (1 + floor(random() * 1000))::int
            c_domain_text short_text = left(md5(random()::text), 20)
            """);

    private static Map<String, String> columns(String table) {
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        table.lines().forEach(line -> {
            int equals = line.indexOf(" = ");
            columns.put(line.substring(0, equals), line.substring(equals + 3));
        });
        return columns;
    }

    @Test
    void randomRowsOfEveryTypeRoundTripExactly() {
        String url = database.url();
        Jdbi db = database.db();
        String definition = COLUMNS.keySet().stream().collect(Collectors.joining(", "));
        String names = COLUMNS.keySet().stream().map(c -> c.split(" ")[0]).collect(Collectors.joining(", "));
        String randomValues = COLUMNS.values().stream().map(v -> "CASE WHEN random() < 0.1 THEN NULL ELSE " + v + " END")
                .collect(Collectors.joining(", "));
        db.useHandle(h -> h.execute("""
                CREATE TYPE mood AS ENUM ('happy', 'sad', 'ünïcödé');
                CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
                CREATE DOMAIN short_text AS varchar(20);
                CREATE TABLE src (id int PRIMARY KEY, %1$s);
                CREATE TABLE dst (id int PRIMARY KEY, %1$s);
                SELECT setseed(0.9);
                INSERT INTO src (id, %2$s) SELECT g, %3$s FROM generate_series(1, %4$d) g;
                INSERT INTO src (id) VALUES (%5$d);
                INSERT INTO src (id, c_text, c_date, c_ts, c_tstz, c_int_array, c_text_array, c_float4, c_float8,
                                 c_numeric_free, c_bytea)
                VALUES (%6$d, repeat('ü' || md5('big'), 30304), '4713-01-01 BC', '294246-12-31 23:59:59.999999',
                        '4713-01-01 00:00:00+00 BC', '{}', '{}', '-1.4e-45', '-4.9e-324', 'Infinity', '\\x'),
                       (%7$d, '', '5874897-12-31', 'infinity', '-infinity', '{NULL,NULL}', '{NULL}', '3.4028235e38',
                        '-1.7976931348623157e308', '-Infinity', '\\x00')""".formatted(definition, names, randomValues, RANDOM_ROWS,
                RANDOM_ROWS + 1, RANDOM_ROWS + 2, RANDOM_ROWS + 3)));
        assertEquals(List.of(List.of("1000032")), Fixtures.rows(db, "SELECT length(c_text) FROM src WHERE id = "
                + (RANDOM_ROWS + 2)), "the big row holds a 1 MB text (in characters; more in bytes)");

        stack.kafka().createTopic("fuzz.src", 1, Map.of("max.message.bytes", "8388608"));
        stack.rest().createOrUpdateConnector("fuzz-source", Fixtures.sourceConfig(stack, url, "src", "fuzz.",
                "producer.override.max.request.size", "8388608"));
        stack.rest().createOrUpdateConnector("fuzz-sink", ConnectorConfigs.sink(stack, url, "fuzz.src",
                "table.name.format", "dst", "pk.mode", "record_key", "insert.mode", "upsert"));
        long rows = RANDOM_ROWS + 3;
        await("every row in dst", rows, () -> {
            for (String connector : List.of("fuzz-source", "fuzz-sink")) {
                List<String> task = Fixtures.taskStateAndTrace(stack.rest(), connector);
                if (task.get(0).equals("FAILED")) {
                    throw new AssertionError(connector + " failed: " + task.get(1));
                }
            }
            return Fixtures.count(db, "dst");
        }, TIMEOUT);

        String asText = "SELECT id, " + COLUMNS.keySet().stream().map(c -> c.split(" ")[0] + "::text")
                .collect(Collectors.joining(", ")) + " FROM ";
        if (!Fixtures.difference(db, asText + "src", asText + "dst").isEmpty()) {
            // Say which columns differ, with the first differing row of each (values cut to 100 characters).
            Map<String, List<List<String>>> byColumn = new java.util.TreeMap<>();
            for (String column : COLUMNS.keySet().stream().map(c -> c.split(" ")[0]).toList()) {
                List<List<String>> first = Fixtures.rows(db, "SELECT s.id::text, left(s." + column + "::text, 100),"
                        + " left(d." + column + "::text, 100), count(*) OVER ()::text FROM src s JOIN dst d USING (id)"
                        + " WHERE s." + column + "::text IS DISTINCT FROM d." + column + "::text ORDER BY s.id LIMIT 1");
                if (!first.isEmpty()) {
                    byColumn.put(column, first);
                }
            }
            assertEquals(Map.of(), byColumn, "column -> [id, source text, sink text, rows differing]");
        }
        stack.rest().deleteConnector("fuzz-source");
        stack.rest().deleteConnector("fuzz-sink");
    }
}
