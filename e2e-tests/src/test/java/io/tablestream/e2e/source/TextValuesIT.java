package io.tablestream.e2e.source;

import io.tablestream.jdbc.ConnectionConfig;
import io.tablestream.jdbc.TableId;
import io.tablestream.jdbc.types.ColumnReader;
import io.tablestream.jdbc.types.NumericMapping;
import io.tablestream.jdbc.types.PgTypeCatalog;
import io.tablestream.jdbc.types.PgTypeOptions;
import io.tablestream.jdbc.types.SchemaNames;
import io.tablestream.jdbc.types.TimePrecisionMode;
import io.tablestream.source.TableSchema;
import io.tablestream.testkit.Stack;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.ConnectSchema;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CDC reads values from PostgreSQL's text output (pgoutput), the query modes through JDBC: for every type,
 * {@code ColumnReader.readText} of its text output must equal {@code ColumnReader.read(rs)} for the same value and options,
 * or a table's records would differ by the mode that produced them.
 */
@ExtendWith(TablestreamStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
record TextValuesIT(Stack stack) {

    private static final String DB = "text_values_it";
    private static final TableId TABLE = new TableId("public", "all_types");

    @BeforeAll
    void createTable() {
        stack.postgres().createDatabase(DB);
        Jdbi.create(() -> stack.postgres().connect(DB)).useHandle(h -> h.execute("""
                CREATE TYPE mood AS ENUM ('happy', 'sad', 'ünïcödé', 'with "quote", comma');
                CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
                CREATE DOMAIN short_text AS varchar(20);
                CREATE TYPE pair AS (n int, t text);
                CREATE TABLE all_types (
                  id int PRIMARY KEY,
                  c_int2 smallint, c_int4 integer, c_int8 bigint, c_float4 real, c_float8 double precision,
                  c_numeric numeric(20,5), c_numeric_free numeric, c_num_int numeric(4,0), c_num_int9 numeric(9,0),
                  c_num_int18 numeric(18,0), c_num_small numeric(10,2),
                  c_bool boolean, c_text text, c_varchar varchar(10), c_char char(3), c_qchar "char", c_name name,
                  c_bytea bytea, c_date date, c_time time, c_timetz timetz, c_ts timestamp, c_tstz timestamptz,
                  c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb, c_enum mood,
                  c_int_array int[], c_text_array text[], c_numeric_array numeric(10,2)[], c_enum_array mood[],
                  c_tstz_array timestamptz[], c_bytea_array bytea[], c_date_array date[], c_bool_array bool[],
                  c_float_array float8[], c_json_array jsonb[], c_interval_array interval[],
                  c_domain positive_int, c_domain_text short_text,
                  c_inet inet, c_money money, c_bit bit(3), c_point point, c_box box, c_tstzrange tstzrange,
                  c_pair pair, c_inet_array inet[], c_box_array box[], c_pair_array pair[], c_oid_array oid[]);
                INSERT INTO all_types VALUES
                 (1, 32767, 2147483647, 9223372036854775807, 3.4028235e38, 1.7976931348623157e308,
                  999999999999999.99999, -12345678901234567890.123456789012345, 9999, 999999999,
                  999999999999999999, 12345678.99,
                  true, 'Grüße, 世界 🚀', 'ñandú', 'abc', 'x', 'ナメ',
                  '\\x00ff10', '2099-12-31', '24:00:00', '13:45:30.123456+02:00', '2262-04-11 23:47:16.854775',
                  '2099-12-31 23:59:59.999999+00', '1 year 2 mons 3 days 04:05:06.000007',
                  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.5, "x"]}', '{"ключ": null}', 'ünïcödé',
                  '{1,NULL,-3}', ARRAY['a', 'b c', NULL, 'NULL', 'say "hi"', 'back\\slash', '', '{x,y}', 'ü,🚀'],
                  '{1.50,-2.25,NULL}', ARRAY['happy', 'with "quote", comma']::mood[],
                  '{"1969-07-20 20:17:40.000001+00", infinity, NULL}', ARRAY['\\x00ff'::bytea, '', NULL],
                  '{2024-02-29,NULL}', '{t,f,NULL}', '{NaN,Infinity,-Infinity,-0,1e-300}',
                  ARRAY['{"a": "b,c"}'::jsonb, '[]'], ARRAY['-1 days -00:00:01.5'::interval, '1 mon'],
                  42, 'domain text',
                  '192.168.0.1/24', 1234.56, B'101', '(1.5,-1e-300)', '((0,0),(1,1))',
                  '[2024-01-01 00:00:00.5+00,2024-06-01 12:30+02)', ROW(1, 'say "hi", (ok)'), '{10.0.0.1,::1,NULL}',
                  ARRAY['((0,0),(1,1))'::box, '((2,2),(3,3))'], ARRAY[ROW(1, 'a,b'), NULL, ROW(NULL, '')]::pair[],
                  '{1,4294967295}'),
                 (2, -32768, -2147483648, -9223372036854775808, -1.5, -2.2250738585072014e-308,
                  -999999999999999.99999, 0.000000000000000000001, -9999, -999999999,
                  -999999999999999999, -0.01,
                  false, '', '', '   ', ' ', '',
                  '\\x', '0044-03-15 BC', '00:00:00', '00:00:00-05:30', '1969-07-20 20:17:40.000001',
                  '1900-01-01 00:00:00.5+00', '-1 days -00:00:01.5',
                  '00000000-0000-0000-0000-000000000000', '[]', '{}', 'with "quote", comma',
                  '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', 1, '',
                  '::1', -0.01, B'000', '(0,0)', '(0,0),(0,0)', 'empty', ROW(NULL, NULL), '{}', '{}', '{}', '{}'),
                 (3, 0, 0, 0, 'NaN', '-Infinity', 0, 'NaN', 0, 0, 0, 0,
                  NULL, E'line\\nbreak\\ttab', NULL, NULL, NULL, NULL,
                  '\\x5c22', '10000-01-01', '23:59:59.999999', '24:00:00+00', 'infinity', '-infinity',
                  '-178000000 years', NULL, 'null', '"ünïcödé"', NULL,
                  '[0:1]={7,8}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, '(,)', NULL, '[1:2][1:1]={{10.0.0.1},{NULL}}', NULL, NULL, NULL),
                 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0001-01-01 BC', NULL, NULL, '-infinity',
                  '4713-11-24 00:00:00+00 BC', '0', NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                 (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0044-03-15 12:00:00 BC',
                  '1000-06-01 12:00:00+00', NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"""));
    }

    @Test
    void microsecondsTextEqualsJdbcInUtc() throws SQLException {
        assertTextEqualsJdbc(PgTypeOptions.DEFAULTS, "UTC", "hex");
    }

    @Test
    void microsecondsTextEqualsJdbcWithHalfHourOffsetsAndEscapedBytea() throws SQLException {
        assertTextEqualsJdbc(new PgTypeOptions(TimePrecisionMode.MICROSECONDS, NumericMapping.PRECISION_ONLY,
                ZoneOffset.UTC), "Asia/Kolkata", "escape");
    }

    @Test
    void connectTextEqualsJdbcWithLocalMeanTimeOffsets() throws SQLException {
        assertTextEqualsJdbc(new PgTypeOptions(TimePrecisionMode.CONNECT, NumericMapping.BEST_FIT,
                ZoneId.of("Europe/Berlin")), "Europe/Berlin", "hex");
    }

    @Test
    void connectTextEqualsJdbcWithDefaultMapping() throws SQLException {
        assertTextEqualsJdbc(new PgTypeOptions(TimePrecisionMode.CONNECT, NumericMapping.NONE, ZoneOffset.UTC),
                "America/St_Johns", "hex");
    }

    /** Reads each value both ways in a session with the given TimeZone and bytea_output, as a replication session may have. */
    private void assertTextEqualsJdbc(PgTypeOptions options, String sessionZone, String byteaOutput) throws SQLException {
        PgTypeCatalog catalog = PgTypeCatalog.of(options);
        try (Connection connection = stack.postgres().connect(DB); Statement settings = connection.createStatement()) {
            settings.execute("SET TimeZone = '" + sessionZone + "'; SET bytea_output = " + byteaOutput);
            Handle handle = Jdbi.open(connection);
            List<ColumnReader> readers = TableSchema.read(handle, TABLE, catalog).columns();
            assertEquals(53, readers.size(), "every column has a reader");
            try (Statement query = connection.createStatement();
                 ResultSet rs = query.executeQuery(bothWays(readers))) {
                int nonNull = assertRowsTextEqualsJdbc(rs, readers);
                assertTrue(nonNull > 100, "the rows carry values, not just NULLs: " + nonNull);
            }
        }
    }

    /**
     * Every column, also when the driver executes the statement server-prepared (from its fifth run), as polling
     * and snapshot queries are: the connectors' connections have the driver take point, box, oid[], timetz and
     * numeric as text, which it would otherwise take in binary and print its own way ({@code (1.0,1.0E300)}, a timetz
     * in UTC without its offset, {@code 1E-21}).
     */
    @Test
    void textOutputEqualsJdbcWhenTheStatementIsServerPrepared() throws SQLException {
        Jdbi jdbi = ConnectionConfig.jdbi(new AbstractConfig(ConnectionConfig.define(new ConfigDef()), Map.of(
                ConnectionConfig.CONNECTION_URL_CONFIG, stack.postgres().jdbcUrl(DB),
                ConnectionConfig.CONNECTION_USER_CONFIG, stack.postgres().user(),
                ConnectionConfig.CONNECTION_PASSWORD_CONFIG, stack.postgres().passwordOrEmpty())));
        try (Handle handle = jdbi.open()) {
            List<ColumnReader> readers = TableSchema.read(handle, TABLE, PgTypeCatalog.of(PgTypeOptions.DEFAULTS))
                    .columns();
            assertEquals(11, readers.stream().filter(r -> SchemaNames.PG_TEXT.equals(r.schema().name())).count());
            String sql = bothWays(readers);
            for (int run = 0; run < 8; run++) {
                try (PreparedStatement query = handle.getConnection().prepareStatement(sql);
                     ResultSet rs = query.executeQuery()) {
                    assertTrue(assertRowsTextEqualsJdbc(rs, readers) > 20, "the rows carry values");
                }
            }
        }
    }

    /**
     * Each column, then its text output: format('%s') prints through the type's output function, as pgoutput does;
     * ::text would not always (bool casts to true/false, char(n) loses its padding, inet shows its netmask).
     * num_nulls, as IS NOT NULL is false for a composite with a NULL field.
     */
    private static String bothWays(List<ColumnReader> readers) {
        String select = readers.stream().map(r -> "\"" + r.column().name() + "\"")
                .map(c -> c + ", CASE WHEN num_nulls(" + c + ") = 0 THEN format('%s', " + c + ") END")
                .collect(Collectors.joining(", "));
        return "SELECT " + select + " FROM all_types ORDER BY all_types.id";
    }

    /** Every row's value of each column, as read through JDBC, equals the value read from its text output. */
    private static int assertRowsTextEqualsJdbc(ResultSet rs, List<ColumnReader> readers) throws SQLException {
        int rows = 0;
        int nonNull = 0;
        while (rs.next()) {
            rows++;
            for (int i = 0; i < readers.size(); i++) {
                ColumnReader reader = readers.get(i);
                Object jdbc = reader.read(rs, 2 * i + 1);
                String text = rs.getString(2 * i + 2);
                Object fromText = reader.readText(text);
                String where = "row " + rows + " column " + reader.column().name() + " text '" + text + "'";
                assertSameValue(jdbc, fromText, where);
                if (jdbc != null) {
                    nonNull++;
                    ConnectSchema.validateValue(reader.schema(), fromText); // and it fits the schema
                }
            }
        }
        assertEquals(5, rows);
        return nonNull;
    }

    private static void assertSameValue(Object jdbc, Object text, String where) {
        if (jdbc == null) {
            assertNull(text, where);
        } else if (jdbc instanceof byte[] bytes) {
            assertArrayEquals(bytes, (byte[]) text, where);
        } else if (jdbc instanceof List<?> list) {
            assertNotNull(text, where);
            List<?> other = (List<?>) text;
            assertEquals(list.size(), other.size(), where);
            for (int i = 0; i < list.size(); i++) {
                assertSameValue(list.get(i), other.get(i), where + " element " + i);
            }
        } else {
            assertEquals(jdbc.getClass(), text.getClass(), where);
            assertEquals(jdbc, text, where);
        }
    }
}
