package io.tablestream.sink;

import io.tablestream.jdbc.PositionalSqlParser;

import io.tablestream.jdbc.TableId;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.statement.ParsedSql;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PositionalSqlParserTest {

    @Test
    void countsOnlyPlaceholdersOutsideQuotes() {
        assertEquals(2, PositionalSqlParser.placeholders("INSERT INTO \"t\" (\"a\", \"b\") VALUES (?, ?)"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT ? AS \"what?\", 'why?' AS \"a:b\""));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT \"Line \"\"No\"\"\", \"x?\" FROM t WHERE a = ?"));
        assertEquals(1, PositionalSqlParser.placeholders("SELECT 'it''s?', ?"));
        assertEquals(0, PositionalSqlParser.placeholders(PostgresSql.TABLE_EXISTS.replace("?", "'x'")));
        assertEquals(2, PositionalSqlParser.placeholders(PostgresSql.TABLE_EXISTS));
    }

    @Test
    void passesGeneratedSqlThroughUnchanged() {
        Schema value = SchemaBuilder.struct().field("Line \"No\"", Schema.INT32_SCHEMA)
                .field("a:b?<c>", Schema.OPTIONAL_STRING_SCHEMA).field("back\\:slash", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        WritePlan plan = WritePlan.create(TestRecords.config(), TableId.parse("\"x?\".\"y:z\""),
                TestRecords.record("t", 0, 0, null, null, value, new Struct(value).put("Line \"No\"", 1)));

        ParsedSql parsed = new PositionalSqlParser().parse(plan.insertSql(), null);

        assertEquals(plan.insertSql(), parsed.getSql());
        assertTrue(parsed.getParameters().isPositional());
        assertEquals(3, parsed.getParameters().getParameterCount());
        assertEquals(0, new PositionalSqlParser().parse(plan.createTableSql(), null).getParameters().getParameterCount());
    }
}
