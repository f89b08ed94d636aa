package io.javakit.sd.dns;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Records what one class logs, down to DEBUG, so tests can check that a state change is logged exactly once. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final Level previousLevel;

    private LogCapture(Class<?> type) {
        this.logger = (Logger) LoggerFactory.getLogger(type);
        this.previousLevel = logger.getLevel();
    }

    static LogCapture of(Class<?> type) {
        LogCapture capture = new LogCapture(type);
        capture.start();
        capture.logger.addAppender(capture);
        capture.logger.setLevel(Level.DEBUG);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        events.add(event);
    }

    /** The events at {@code level} whose message is {@code message}. */
    List<ILoggingEvent> events(Level level, String message) {
        return events.stream().filter(e -> e.getLevel() == level && e.getMessage().equals(message)).toList();
    }

    /** The value of {@code key} in {@code event}'s key-values, as text. */
    static String value(ILoggingEvent event, String key) {
        return event.getKeyValuePairs() == null ? null : event.getKeyValuePairs().stream().filter(kv -> kv.key.equals(key))
                .map(kv -> String.valueOf(kv.value)).findFirst().orElse(null);
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(previousLevel);
        stop();
    }
}
