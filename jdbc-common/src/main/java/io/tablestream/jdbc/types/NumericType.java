package io.tablestream.jdbc.types;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * numeric: {@code numeric(p,s)} becomes a Connect Decimal of scale s carrying its precision (or, by
 * {@link NumericMapping}, an integer or double that holds it exactly); unconstrained numeric has no fixed scale, so it
 * travels as its exact text under {@link SchemaNames#NUMERIC}.
 */
record NumericType(NumericMapping mapping) implements PgType {

    static final String PRECISION_PARAMETER = "connect.decimal.precision";

    private static final String NOT_A_NUMBER = "NaN";

    /** Decimal digits a double keeps through a text round trip. */
    private static final int DOUBLE_DIGITS = 15;

    private enum Target { TEXT, DECIMAL, INT16, INT32, INT64, FLOAT64 }

    private Target target(PgColumn column) {
        int precision = column.numericPrecision();
        int scale = column.numericScale();
        if (scale < 0) {
            return Target.TEXT;
        }
        if (mapping != NumericMapping.NONE && scale == 0 && precision < 19) {
            return precision < 5 ? Target.INT16 : precision < 10 ? Target.INT32 : Target.INT64;
        }
        if (mapping == NumericMapping.BEST_FIT && scale > 0 && precision <= DOUBLE_DIGITS) {
            return Target.FLOAT64;
        }
        return Target.DECIMAL;
    }

    @Override
    public Set<String> typeNames() {
        return Set.of("numeric");
    }

    @Override
    public SchemaBuilder schema(PgColumn column) {
        return switch (target(column)) {
            case TEXT -> SchemaBuilder.string().name(SchemaNames.NUMERIC);
            case DECIMAL -> Decimal.builder(column.numericScale())
                    .parameter(PRECISION_PARAMETER, Integer.toString(column.numericPrecision()));
            case INT16 -> SchemaBuilder.int16();
            case INT32 -> SchemaBuilder.int32();
            case INT64 -> SchemaBuilder.int64();
            case FLOAT64 -> SchemaBuilder.float64();
        };
    }

    @Override
    public Object read(ResultSet rs, int index, PgColumn column) throws SQLException {
        Target target = target(column);
        if (target == Target.TEXT) {
            return rs.getString(index); // exact, and keeps NaN/Infinity readable
        }
        BigDecimal value;
        try {
            value = rs.getBigDecimal(index);
        } catch (SQLException e) {
            if (NOT_A_NUMBER.equals(rs.getString(index))) {
                return notANumber(column, target);
            }
            throw e;
        }
        return value == null ? null : convert(value, column, target);
    }

    /**
     * NaN, which PostgreSQL allows in a {@code numeric(p,s)} column too: a double holds it, a Decimal or an integer
     * does not, and no made-up number may stand for it.
     */
    private static Object notANumber(PgColumn column, Target target) {
        if (target == Target.FLOAT64) {
            return Double.NaN;
        }
        throw new DataException("Column " + column.name() + " (numeric(" + column.numericPrecision() + ","
                + column.numericScale() + ")) holds NaN, which its Connect type " + target + " cannot hold: make the"
                + " column unconstrained numeric (sent as exact text, NaN included), or keep NaN out of it (CHECK ("
                + column.name() + " <> 'NaN'))");
    }

    /**
     * Connect's Decimal, exact: PostgreSQL rounds to the column's scale and checks its precision as for text. Not the
     * text of {@link SchemaNames#NUMERIC}: it may be NaN or Infinity, which travel as text.
     */
    @Override
    public BinaryEncoder binaryEncoder(PgColumn column, Schema schema) {
        return Decimal.LOGICAL_NAME.equals(schema.name())
                ? (value, out) -> PgBinary.numeric((BigDecimal) value, out) : null;
    }

    @Override
    public Object readText(String text, PgColumn column) {
        Target target = target(column);
        if (target == Target.TEXT) {
            return text;
        }
        return NOT_A_NUMBER.equals(text) ? notANumber(column, target) : convert(new BigDecimal(text), column, target);
    }

    private static Object convert(BigDecimal value, PgColumn column, Target target) {
        return switch (target) {
            // PostgreSQL already stores the declared scale; setScale only normalises, it never rounds here.
            case DECIMAL -> value.setScale(column.numericScale(), RoundingMode.UNNECESSARY);
            case INT16 -> value.shortValueExact();
            case INT32 -> value.intValueExact();
            case INT64 -> value.longValueExact();
            case FLOAT64 -> value.doubleValue();
            case TEXT -> throw new IllegalStateException("exact text is not converted");
        };
    }
}
