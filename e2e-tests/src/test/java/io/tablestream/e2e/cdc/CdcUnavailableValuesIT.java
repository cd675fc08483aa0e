package io.tablestream.e2e.cdc;

import io.tablestream.e2e.cdc.ChangeLog.Change;
import io.tablestream.testkit.TablestreamStack;
import org.apache.kafka.connect.data.Struct;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.tablestream.e2e.cdc.CdcFixture.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An update leaving a large (TOASTed) value unchanged under REPLICA IDENTITY DEFAULT: the WAL does not carry it.
 * The task keeps running; the record names the column in the header unavailable.columns and holds null (or the
 * configured placeholder) there, never a made-up value.
 */
@ExtendWith({TablestreamStack.class, CdcFixture.Extension.class})
record CdcUnavailableValuesIT(CdcFixture cdc) {

    /** 1,000 chained md5 hashes: 32 KB that compress badly, stored out of line. */
    private static final String BIG_TEXT_SQL = "(SELECT string_agg(md5(i::text), '' ORDER BY i) FROM generate_series(1, 1000) i)";

    @Test
    void anUnchangedToastedValueIsMarkedUnavailableAndTheTaskKeepsRunning() {
        Jdbi db = cdc.database("cdc_toast_it", """
                CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, big_text text NOT NULL, blob bytea,
                                   meta jsonb);
                ALTER TABLE docs ALTER COLUMN big_text SET STORAGE EXTERNAL, ALTER COLUMN blob SET STORAGE EXTERNAL,
                                 ALTER COLUMN meta SET STORAGE EXTERNAL;
                INSERT INTO docs VALUES (1, 'in the snapshot', %1$s, convert_to(%1$s, 'UTF8'),
                                         jsonb_build_object('text', %1$s));
                """.formatted(BIG_TEXT_SQL));
        String big = db.withHandle(h -> h.createQuery("SELECT big_text FROM docs").mapTo(String.class).one());
        assertTrue(db.withHandle(h -> h.createQuery("SELECT pg_column_size(big_text) FROM docs")
                .mapTo(Integer.class).one()) > 8192, "stored out of line, uncompressed");
        cdc.deploy("cdc-toast", "cdc_toast_it", "docs", Map.of());
        cdc.deploy("cdc-toast-placeholder", "cdc_toast_it", "docs",
                Map.of("unavailable.value.placeholder", "__unavailable"));
        // The snapshot rows first (read beside the stream): the changes below then follow them in both topics.
        cdc.changeLog("cdc-toast.docs").await(c -> c.size() == 1, TIMEOUT, "the snapshot row");
        cdc.changeLog("cdc-toast-placeholder.docs").await(c -> c.size() == 1, TIMEOUT, "the snapshot row");

        db.useHandle(h -> h.execute("""
                INSERT INTO docs VALUES (2, 'streamed', %1$s, NULL, NULL);
                UPDATE docs SET title = 'retitled' WHERE id = 1;
                UPDATE docs SET big_text = 'small now' WHERE id = 2;
                UPDATE docs SET title = 'retitled too' WHERE id = 2;
                """.formatted(BIG_TEXT_SQL)));

        List<Change> changes = cdc.changeLog("cdc-toast.docs").await(c -> c.size() == 5, TIMEOUT, "5 records");
        assertEquals(List.of("r 1", "c 2", "u 1", "u 2", "u 2"),
                changes.stream().map(c -> c.op() + " " + c.keyField("id")).toList());
        assertEquals(big, changes.get(0).value().get("big_text"), "the snapshot has the whole value");
        assertEquals(big, changes.get(1).value().get("big_text"), "an insert has the whole value");

        Change retitled = changes.get(2);
        assertEquals("[\"big_text\",\"blob\",\"meta\"]", retitled.headers().get("unavailable.columns"));
        assertEquals(Arrays.asList(1, "retitled", null, null, null), row(retitled.value()));
        assertTrue(retitled.value().schema().field("big_text").schema().isOptional(),
                "a NOT NULL column whose value may be unavailable is optional");

        Change changedBig = changes.get(3);
        assertEquals(Arrays.asList(2, "streamed", "small now", null, null), row(changedBig.value()));
        assertFalse(changedBig.headers().containsKey("unavailable.columns"), "every value is in the WAL");
        // The small value is stored inline: nothing unavailable on the next update either.
        assertFalse(changes.get(4).headers().containsKey("unavailable.columns"));
        assertEquals("retitled too", changes.get(4).value().get("title"));

        List<Change> withPlaceholder = cdc.changeLog("cdc-toast-placeholder.docs")
                .await(c -> c.size() == 5, TIMEOUT, "5 records");
        Change placeholder = withPlaceholder.get(2);
        assertEquals("[\"big_text\",\"blob\",\"meta\"]", placeholder.headers().get("unavailable.columns"));
        assertEquals("__unavailable", placeholder.value().get("big_text"));
        assertEquals("__unavailable", new String((byte[]) placeholder.value().get("blob"),
                java.nio.charset.StandardCharsets.UTF_8));
        assertNull(placeholder.value().get("meta"), "json cannot hold the placeholder text");

        assertEquals("RUNNING", cdc.taskState("cdc-toast"));
        assertEquals("RUNNING", cdc.taskState("cdc-toast-placeholder"));
    }

    private static List<Object> row(Struct value) {
        return Arrays.asList(value.get("id"), value.get("title"), value.get("big_text"), value.get("blob"),
                value.get("meta"));
    }
}
