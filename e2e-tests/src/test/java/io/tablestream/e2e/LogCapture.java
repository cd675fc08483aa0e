package io.tablestream.e2e;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The log events of this JVM (the in-process workers' connectors and tasks), with their context data (MDC) and
 * exceptions: of the {@code io.tablestream} loggers ({@link #capture()}), or of every logger ({@link #everything()}).
 */
public final class LogCapture extends AbstractAppender implements AutoCloseable {

    private static final String LOGGER = "io.tablestream";
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final boolean everything;

    private LogCapture(boolean everything) {
        super("tablestream-it-log-capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        this.everything = everything;
    }

    /** Starts capturing the io.tablestream loggers at INFO and above; close to stop. */
    public static LogCapture capture() {
        LogCapture capture = new LogCapture(false);
        capture.attach();
        return capture;
    }

    /** Starts capturing every logger at every level; close to stop. */
    public static LogCapture everything() {
        LogCapture capture = new LogCapture(true);
        capture.attach();
        return capture;
    }

    private void attach() {
        start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        if (everything) {
            context.getConfiguration().getRootLogger().addAppender(this, Level.ALL, null);
            context.getConfiguration().getLoggers().values().forEach(l -> l.addAppender(this, Level.ALL, null));
        } else {
            context.getConfiguration().getLoggerConfig(LOGGER).addAppender(this, Level.INFO, null);
        }
        context.updateLoggers();
    }

    /** The events captured so far. */
    public List<LogEvent> events() {
        return events;
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
        if (everything) {
            context.getConfiguration().getRootLogger().removeAppender(getName());
            context.getConfiguration().getLoggers().values().forEach(l -> l.removeAppender(getName()));
        } else {
            context.getConfiguration().getLoggerConfig(LOGGER).removeAppender(getName());
        }
        context.updateLoggers();
        stop();
    }
}
