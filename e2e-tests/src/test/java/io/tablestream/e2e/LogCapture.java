package io.tablestream.e2e;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The log events of this JVM's {@code io.tablestream} loggers (the in-process worker's connectors and tasks). */
public final class LogCapture extends AbstractAppender implements AutoCloseable {

    private static final String LOGGER = "io.tablestream";
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();

    private LogCapture() {
        super("tablestream-it-log-capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    }

    /** Starts capturing INFO and above; close to stop. */
    public static LogCapture capture() {
        LogCapture capture = new LogCapture();
        capture.attach();
        return capture;
    }

    private void attach() {
        start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig(LOGGER).addAppender(this, Level.INFO, null);
        context.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        events.add(event.toImmutable());
    }

    /** The formatted messages captured so far at {@code level}. */
    public List<String> messages(Level level) {
        return events.stream().filter(e -> e.getLevel() == level).map(e -> e.getMessage().getFormattedMessage()).toList();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig(LOGGER).removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
