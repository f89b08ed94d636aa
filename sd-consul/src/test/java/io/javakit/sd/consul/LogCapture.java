package io.javakit.sd.consul;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Objects;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Captures what one class logs. Test classes run in parallel and share loggers, so assertions select the events
 * of their own service (or service ID) by its key-value.
 */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(Class<?> type) {
        this.logger = context().getLogger(type);
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    /**
     * Logback's context. While SLF4J initializes (test classes start in parallel) it hands out a stand-in factory;
     * wait for the real one.
     */
    private static LoggerContext context() {
        ILoggerFactory factory;
        while (!((factory = LoggerFactory.getILoggerFactory()) instanceof LoggerContext)) {
            Thread.onSpinWait();
        }
        return (LoggerContext) factory;
    }

    static LogCapture of(Class<?> type) {
        return new LogCapture(type);
    }

    /** The events at {@code level} whose key {@code key} has the value {@code value}. */
    List<ILoggingEvent> events(Level level, String key, String value) {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(e -> e.getLevel() == level)
                    .filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs().stream()
                            .anyMatch(kv -> kv.key.equals(key) && Objects.equals(String.valueOf(kv.value), value)))
                    .toList();
        }
    }

    List<String> messages(Level level, String key, String value) {
        return events(level, key, value).stream().map(ILoggingEvent::getMessage).toList();
    }

    static String valueOf(ILoggingEvent event, String key) {
        return event.getKeyValuePairs().stream().filter(kv -> kv.key.equals(key))
                .map(kv -> String.valueOf(kv.value)).findFirst().orElse(null);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
