package io.tablestream.enricher;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rejects a record whose header {@code unavailable.columns} (a JSON array of column names: PostgreSQL did not log
 * their values, so they are null in the value) lists a column the enricher needs:
 * <ul>
 * <li>on the input, a join field: the record's lookup row is unknown, and joining it anyway would drop it (inner)
 * or null the lookup columns of the output (left);</li>
 * <li>on a lookup topic, a column copied into the output: the lookup table keeps whole rows, so every record
 * joined with this version would carry null in that column.</li>
 * </ul>
 * Both would be silently wrong; as a bad record it goes to the dead-letter topic or stops the app. Other
 * unavailable columns pass, header and all, for the sink.
 */
final class UnavailableColumns<K> implements FixedKeyProcessor<K, SchemaAndValue, SchemaAndValue> {

    static final String HEADER = "unavailable.columns";
    private static final Pattern JSON_STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final String FIX = "PostgreSQL did not log its value (an unchanged large value). Run ALTER TABLE "
            + "... REPLICA IDENTITY FULL on the source table so updates carry every column";

    /** The message for a needed column that is unavailable, or null when the column is not needed. */
    private final Function<String, String> problem;
    private FixedKeyProcessorContext<K, SchemaAndValue> context;

    private UnavailableColumns(Function<String, String> problem) {
        this.problem = problem;
    }

    static <K> UnavailableColumns<K> ofJoinFields(String inputTopic, List<String> joinFields) {
        return new UnavailableColumns<>(column -> joinFields.contains(column) ? "A record of input topic '"
                + inputTopic + "' lists its join field '" + column + "' in header " + HEADER + ", so its lookup "
                + "row is unknown: " + FIX : null);
    }

    static <K> UnavailableColumns<K> ofLookupFields(LookupSpec lookup) {
        return new UnavailableColumns<>(column -> lookup.fields().isEmpty() || lookup.fields().contains(column)
                ? "A row of lookup topic '" + lookup.topic() + "' lists column '" + column + "', which the "
                + "enricher copies into its output, in header " + HEADER + "; the lookup table keeps whole rows, so "
                + "it would copy null: " + FIX + ", or leave the column out of " + lookup.configKey("fields") : null);
    }

    @Override
    public void init(FixedKeyProcessorContext<K, SchemaAndValue> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<K, SchemaAndValue> record) {
        check(record.headers(), record.value());
        context.forward(record);
    }

    void check(Headers headers, SchemaAndValue value) {
        if (value == null) {
            return;
        }
        for (String column : listed(headers)) {
            String message = problem.apply(column);
            if (message != null) {
                throw new DataException(message);
            }
        }
    }

    private static List<String> listed(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        List<String> columns = new ArrayList<>();
        if (header != null && header.value() != null) {
            Matcher names = JSON_STRING.matcher(new String(header.value(), StandardCharsets.UTF_8));
            while (names.find()) {
                columns.add(names.group(1));
            }
        }
        return columns;
    }
}
