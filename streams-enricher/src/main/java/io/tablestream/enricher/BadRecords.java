package io.tablestream.enricher;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The records that stopped a stream thread because no dead-letter topic is configured. The exception handlers
 * below note each such record's coordinates under the exception they were given; Kafka Streams rethrows that
 * same exception (as the cause of its own), so {@link StreamThreadFailureHandler} can tell a bad record, which
 * would fail again on every retry, from a failure worth replacing the thread for.
 */
final class BadRecords {

    /** Key of the Streams properties under which {@link EnricherApp#create} hands this instance to the handlers. */
    static final String INSTANCE_CONFIG = "tablestream.enricher.bad.records";
    private static final int REMEMBERED = 16;

    /** Where a bad record sits and why it failed. */
    record BadRecord(String topic, int partition, long offset, String processor, Exception cause) {

        String describe() {
            return "the record at topic '" + topic + "' partition " + partition + " offset " + offset
                    + " cannot be " + (processor == null ? "read" : "processed (processor " + processor + ")")
                    + ": " + cause;
        }
    }

    private final Map<Throwable, BadRecord> byException = Collections.synchronizedMap(
            new IdentityHashMap<>());

    void add(BadRecord record) {
        synchronized (byException) {
            // Only the failure being handled matters; the bound keeps failures nobody asked about from piling up.
            if (byException.size() >= REMEMBERED) {
                byException.clear();
            }
            byException.put(record.cause(), record);
        }
    }

    /** The bad record whose exception is {@code error} or one of its causes; null when there is none. */
    BadRecord find(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            BadRecord record = byException.get(t);
            if (record != null) {
                return record;
            }
        }
        return null;
    }

    /**
     * Kafka Streams' log-and-fail, for records that cannot be deserialized and for records a processor fails on,
     * noting each record. One class serves both handler settings, so both note records the same way.
     */
    public static final class StopOnBadRecord implements DeserializationExceptionHandler, ProcessingExceptionHandler {
        private final LogAndFailExceptionHandler unreadable = new LogAndFailExceptionHandler();
        private final LogAndFailProcessingExceptionHandler unprocessable = new LogAndFailProcessingExceptionHandler();
        private BadRecords badRecords = new BadRecords();

        @Override
        public void configure(Map<String, ?> configs) {
            unreadable.configure(configs);
            unprocessable.configure(configs);
            if (configs.get(INSTANCE_CONFIG) instanceof BadRecords records) {
                badRecords = records;
            }
        }

        @Override
        public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                                    ConsumerRecord<byte[], byte[]> record,
                                                                    Exception exception) {
            badRecords.add(new BadRecord(context.topic(), context.partition(), context.offset(), null, exception));
            return unreadable.handleError(context, record, exception);
        }

        @Override
        public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
                                                               Exception exception) {
            badRecords.add(new BadRecord(context.topic(), context.partition(), context.offset(),
                    context.processorNodeId(), exception));
            return unprocessable.handleError(context, record, exception);
        }
    }
}
