package io.javakit.sd.etcd;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Records what one class logs, at {@code level} and above, until closed. */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Level previousLevel;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture(Class<?> source, Level level) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
        this.previousLevel = logger.getLevel();
        logger.setLevel(level);
        appender.start();
        logger.addAppender(appender);
    }

    /** How many events at {@code level} had exactly {@code message}. */
    long count(Level level, String message) {
        return events().stream().filter(e -> e.getLevel() == level && e.getMessage().equals(message)).count();
    }

    /** How many events at {@code level} had exactly {@code message} and the key-value {@code service=<service>}. */
    long count(Level level, String message, String service) {
        return events().stream()
                .filter(e -> e.getLevel() == level && e.getMessage().equals(message))
                .filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs().stream()
                        .anyMatch(kv -> kv.key.equals("service") && service.equals(kv.value)))
                .count();
    }

    List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
    }
}
