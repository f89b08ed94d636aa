package io.javakit.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Logback encoder that writes one JSON object per line, with the same fields as {@link LogfmtEncoder}:
 * {@code {"ts":"...","level":"info","server":"localhost:8084","method":"ProductByName","took":"0.41ms"}}, then
 * the MDC (trace ids), {@code msg}, {@code logger} and, for unexpected errors, {@code stack}. For log pipelines that
 * parse JSON rather than logfmt.
 */
public class JsonLinesEncoder extends EncoderBase<ILoggingEvent> {
    private static final byte[] NONE = new byte[0];
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("ts", DateTimeFormatter.ISO_INSTANT.format(event.getInstant()));
            json.writeStringField("level", event.getLevel().toString().toLowerCase(Locale.ROOT));
            if (event.getKeyValuePairs() != null) {
                for (var kv : event.getKeyValuePairs()) {
                    json.writeStringField(kv.key, String.valueOf(kv.value));
                }
            }
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (var entry : new TreeMap<>(mdc).entrySet()) {
                    json.writeStringField(entry.getKey(), entry.getValue());
                }
            }
            String message = event.getFormattedMessage();
            if (message != null && !message.isEmpty()) {
                json.writeStringField("msg", message);
                json.writeStringField("logger", event.getLoggerName());
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                json.writeStringField("stack", ThrowableProxyUtil.asString(thrown));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }
}
