package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * numeric: {@code numeric(p,s)} becomes a Connect Decimal of scale s carrying its precision;
 * unconstrained numeric has no fixed scale, so it travels as its exact text under {@link SchemaNames#NUMERIC}.
 */
final class NumericType implements PgType {

    static final String PRECISION_PARAMETER = "connect.decimal.precision";

    @Override
    public Set<String> typeNames() {
        return Set.of("numeric");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        if (column.numericScale() < 0) {
            return SchemaBuilder.string().name(SchemaNames.NUMERIC);
        }
        return Decimal.builder(column.numericScale())
                .parameter(PRECISION_PARAMETER, Integer.toString(column.numericPrecision()));
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        if (column.numericScale() < 0) {
            return rs.getString(index); // exact, and keeps NaN/Infinity readable
        }
        BigDecimal value = rs.getBigDecimal(index);
        // PostgreSQL already stores the declared scale; setScale only normalises, it never rounds here.
        return value == null ? null : value.setScale(column.numericScale(), RoundingMode.UNNECESSARY);
    }
}
