package io.tablestream.enricher;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rejects an input record whose header {@code unavailable.columns} (a JSON array of column names) lists a join
 * field: PostgreSQL did not log the column's value, so the record's lookup row is unknown. Joining it anyway would
 * drop it (inner) or null the lookup columns in the output (left), both silently wrong; as a bad record it goes to
 * the dead-letter topic or stops the app. Other unavailable columns pass, header and all, for the sink.
 */
final class UnavailableJoinFields<K> implements FixedKeyProcessor<K, SchemaAndValue, SchemaAndValue> {

    static final String HEADER = "unavailable.columns";
    private static final Pattern JSON_STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String inputTopic;
    private final List<String> joinFields;
    private FixedKeyProcessorContext<K, SchemaAndValue> context;

    UnavailableJoinFields(String inputTopic, List<String> joinFields) {
        this.inputTopic = inputTopic;
        this.joinFields = List.copyOf(joinFields);
    }

    @Override
    public void init(FixedKeyProcessorContext<K, SchemaAndValue> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<K, SchemaAndValue> record) {
        Header header = record.value() == null ? null : record.headers().lastHeader(HEADER);
        if (header != null && header.value() != null) {
            Matcher names = JSON_STRING.matcher(new String(header.value(), StandardCharsets.UTF_8));
            while (names.find()) {
                if (joinFields.contains(names.group(1))) {
                    throw new DataException("A record of input topic '" + inputTopic + "' lists its join field '"
                            + names.group(1) + "' in header " + HEADER + ": PostgreSQL did not log its value (an "
                            + "unchanged large value), so its lookup row is unknown. Run ALTER TABLE ... REPLICA "
                            + "IDENTITY FULL on the source table so updates carry every column");
                }
            }
        }
        context.forward(record);
    }
}
