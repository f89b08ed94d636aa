package io.javakit.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Logback encoder that writes one logfmt line per event:
 * {@code ts=2026-11-25T13:10:17.123456Z level=info server=localhost:8084 method=ProductByName took=0.41ms}.
 * SLF4J key-value pairs become fields in the order given, then the MDC ({@code trace_id} and {@code span_id} first,
 * so every line of a traced request carries them); the message, if any, becomes {@code msg=}; the logger's
 * simple name, for events that carry a message, {@code logger=}. A throwable is appended as an indented stack
 * trace, so reserve it for unexpected errors.
 *
 * <pre>{@code
 * <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
 *   <encoder class="io.javakit.logging.LogfmtEncoder"/>
 * </appender>
 * }</pre>
 */
public class LogfmtEncoder extends EncoderBase<ILoggingEvent> {
    private static final byte[] NONE = new byte[0];
    private static final List<String> FIRST_MDC_KEYS = List.of("trace_id", "span_id");

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(160);
        Logfmt.append(line, "ts", DateTimeFormatter.ISO_INSTANT.format(event.getInstant()));
        Logfmt.append(line, "level", event.getLevel().toString().toLowerCase(Locale.ROOT));
        if (event.getKeyValuePairs() != null) {
            event.getKeyValuePairs().forEach(kv -> Logfmt.append(line, kv.key, kv.value));
        }
        appendMdc(line, event.getMDCPropertyMap());
        String message = event.getFormattedMessage();
        if (message != null && !message.isEmpty()) {
            Logfmt.append(line, "msg", message);
            String logger = event.getLoggerName();
            Logfmt.append(line, "logger", logger.substring(logger.lastIndexOf('.') + 1));
        }
        line.append('\n');
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown).indent(2));
        }
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Trace and span ids first (set by the tracing middleware while a span is current), then the rest by key. */
    private static void appendMdc(StringBuilder line, Map<String, String> mdc) {
        if (mdc == null || mdc.isEmpty()) {
            return;
        }
        for (String first : FIRST_MDC_KEYS) {
            String value = mdc.get(first);
            if (value != null) {
                Logfmt.append(line, first, value);
            }
        }
        new TreeMap<>(mdc).forEach((key, value) -> {
            if (!FIRST_MDC_KEYS.contains(key)) {
                Logfmt.append(line, key, value);
            }
        });
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }
}
