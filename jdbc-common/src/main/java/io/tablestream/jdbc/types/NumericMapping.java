package io.tablestream.jdbc.types;

import io.tablestream.jdbc.ConfigEnum;

/** How {@code numeric} columns become Connect values ({@code numeric.mapping}, as in Confluent's JDBC source). */
public enum NumericMapping implements ConfigEnum {
    /** {@code numeric(p,s)} as Decimal of scale s; unconstrained numeric as exact text under {@link SchemaNames#NUMERIC}. */
    NONE("none"),
    /** As {@code none}, but {@code numeric(p,0)} with p &lt; 19 as the smallest integer type holding p digits. */
    PRECISION_ONLY("precision_only"),
    /** As {@code precision_only}, and {@code numeric(p,s)} with s &gt; 0 and p &lt;= 15 as FLOAT64 (15 digits round-trip a double exactly). */
    BEST_FIT("best_fit");

    private final String configValue;

    NumericMapping(String configValue) {
        this.configValue = configValue;
    }

    @Override
    public String configValue() {
        return configValue;
    }
}
