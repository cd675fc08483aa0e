package io.tablestream.source.cdc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CdcConfigTest {

    private static final ConfigDef DEF = CdcConfig.define(new ConfigDef());

    private static CdcConfig cdc(Map<String, String> settings) {
        return new CdcConfig(new AbstractConfig(DEF, settings));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        CdcConfig cdc = cdc(Map.of());
        assertEquals(PublicationAutocreateMode.FILTERED, cdc.publicationAutocreateMode());
        assertEquals(SlotLostAction.FAIL, cdc.slotLostAction());
        assertEquals(SnapshotMode.INCREMENTAL, cdc.snapshotMode());
        assertEquals(Envelope.FLAT, cdc.envelope());
        assertEquals(DeleteHandlingMode.TOMBSTONE, cdc.deleteHandlingMode());
    }

    @Test
    void valuesAreReadIgnoringCaseAsTheValidatorAcceptsThem() {
        CdcConfig cdc = cdc(Map.of(CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG, "All_Tables",
                CdcConfig.SLOT_LOST_ACTION_CONFIG, "RESNAPSHOT", CdcConfig.SNAPSHOT_MODE_CONFIG, " Initial_Only ",
                CdcConfig.ENVELOPE_CONFIG, "Debezium"));
        assertEquals(PublicationAutocreateMode.ALL_TABLES, cdc.publicationAutocreateMode());
        assertEquals(SlotLostAction.RESNAPSHOT, cdc.slotLostAction());
        assertEquals(SnapshotMode.INITIAL_ONLY, cdc.snapshotMode());
        assertEquals(Envelope.DEBEZIUM, cdc.envelope());
        assertEquals(Set.of('t', 'd'), cdc(Map.of(CdcConfig.DELETE_HANDLING_MODE_CONFIG, "NONE")).skippedOperations());
    }

    @Test
    void deleteHandlingOtherThanTombstoneIsRefusedWithTheDebeziumEnvelope() {
        ConfigException e = assertThrows(ConfigException.class, () -> cdc(Map.of(CdcConfig.ENVELOPE_CONFIG, "DEBEZIUM",
                CdcConfig.DELETE_HANDLING_MODE_CONFIG, "Rewrite")));
        assertTrue(e.getMessage().contains("delete.handling.mode=rewrite applies to envelope=flat only"),
                e.getMessage());
    }

    @Test
    void anUnknownValueIsRefusedListingTheValues() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> cdc(Map.of(CdcConfig.SNAPSHOT_MODE_CONFIG, "always")));
        assertTrue(e.getMessage().contains("snapshot.mode")
                && e.getMessage().contains("incremental, initial, never, initial_only"), e.getMessage());
    }

    @Test
    void validateRecommendsTheValues() {
        Map<String, List<Object>> recommended = new HashMap<>();
        for (ConfigValue value : DEF.validate(Map.of())) {
            recommended.put(value.name(), value.recommendedValues());
        }
        assertEquals(List.of("filtered", "all_tables", "disabled"),
                recommended.get(CdcConfig.PUBLICATION_AUTOCREATE_MODE_CONFIG));
        assertEquals(List.of("fail", "resnapshot"), recommended.get(CdcConfig.SLOT_LOST_ACTION_CONFIG));
        assertEquals(List.of("incremental", "initial", "never", "initial_only"),
                recommended.get(CdcConfig.SNAPSHOT_MODE_CONFIG));
        assertEquals(List.of("flat", "debezium"), recommended.get(CdcConfig.ENVELOPE_CONFIG));
        assertEquals(List.of("tombstone", "rewrite", "none"), recommended.get(CdcConfig.DELETE_HANDLING_MODE_CONFIG));
    }
}
