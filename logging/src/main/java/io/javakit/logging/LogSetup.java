package io.javakit.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** Switches a process's Logback output between logfmt and JSON lines and sets its level, from command-line flags. */
public final class LogSetup {
    private LogSetup() {}

    /**
     * Sets the root level and the encoder of every console or file appender on the root logger.
     *
     * @param format {@code logfmt} or {@code json}
     * @param level {@code trace}, {@code debug}, {@code info}, {@code warn} or {@code error}
     */
    public static void configure(String format, String level) {
        Level parsed = Level.toLevel(level.toUpperCase(Locale.ROOT), null);
        if (parsed == null) {
            throw new IllegalArgumentException("level: '" + level + "' (expected: trace, debug, info, warn or error)");
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J backend: its own configuration rules
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(parsed);
        root.iteratorForAppenders().forEachRemaining(appender -> {
            if (appender instanceof OutputStreamAppender<ILoggingEvent> stream) {
                EncoderBase<ILoggingEvent> encoder = switch (format.toLowerCase(Locale.ROOT)) {
                    case "logfmt" -> new LogfmtEncoder();
                    case "json" -> new JsonLinesEncoder();
                    default -> throw new IllegalArgumentException("format: '" + format + "' (expected: logfmt or json)");
                };
                encoder.setContext(context);
                encoder.start();
                stream.setEncoder(encoder);
            }
        });
    }
}
