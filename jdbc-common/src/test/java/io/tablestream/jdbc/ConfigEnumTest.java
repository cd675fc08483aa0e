package io.tablestream.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigEnumTest {

    enum Colour implements ConfigEnum {
        DARK_RED("dark_red"), BLUE("blue");

        private final String configValue;

        Colour(String configValue) {
            this.configValue = configValue;
        }

        @Override
        public String configValue() {
            return configValue;
        }
    }

    private static final ConfigDef DEF = ConfigEnum.define(new ConfigDef(), "colour", Colour.class, Colour.BLUE,
            Importance.LOW, "A colour.", "Group", 1, Width.SHORT, "Colour")
            .define("include", Type.LIST, "", Importance.LOW, "Entries.")
            .define("whitelist", Type.LIST, "", Importance.LOW, "Older name of include.");
    private static final ListAlias ALIAS = new ListAlias("include", "whitelist");

    @Test
    void valuesAreParsedIgnoringCaseAndBlanksAndErrorsListThemAsWritten() {
        assertEquals(Colour.DARK_RED, ConfigEnum.parse(Colour.class, " Dark_Red "));
        assertEquals("blue", new AbstractConfig(DEF, Map.of()).getString("colour"));
        ConfigException e = assertThrows(ConfigException.class, () -> new AbstractConfig(DEF, Map.of("colour", "red")));
        assertTrue(e.getMessage().contains("colour") && e.getMessage().contains("dark_red, blue"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigEnum.parse(Colour.class, "red"));
    }

    @Test
    void validateRecommendsTheValues() {
        ConfigValue colour = DEF.validate(Map.of()).stream().filter(v -> v.name().equals("colour")).findFirst()
                .orElseThrow();
        assertEquals(List.of("dark_red", "blue"), colour.recommendedValues());
    }

    @Test
    void anAliasIsReadWhenAloneAndRefusedWhenItDiffers() {
        assertEquals(List.of("a", "b"), ALIAS.value(new AbstractConfig(DEF, Map.of("whitelist", "a, b,"))));
        assertEquals(List.of("a"), ALIAS.value(new AbstractConfig(DEF, Map.of("include", "a", "whitelist", "a"))));
        assertEquals(List.of(), ALIAS.value(new AbstractConfig(DEF, Map.of())));
        ConfigException e = assertThrows(ConfigException.class,
                () -> ALIAS.value(new AbstractConfig(DEF, Map.of("include", "a", "whitelist", "b"))));
        assertTrue(e.getMessage().contains("whitelist=b, include=a"), e.getMessage());
    }
}
