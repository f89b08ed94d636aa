package io.javakit.logging;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.RequestContext;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Logging middleware: one line per call with {@code server}, {@code method}, the request's fields, {@code took},
 * and on failure {@code err}; on a client endpoint also the {@code instance} that served and the {@code attempts}
 * it took. Successes and expected failures (not found, bad request) log at info, failures of an instance at warn,
 * unexpected errors at error with their stack trace.
 *
 * <pre>{@code
 * Endpoint<ByName, Product> logged = Logging.<ByName, Product>middleware(log, "localhost:8084", "ProductByName")
 *         .wrap(productByName);
 * }</pre>
 */
public final class Logging {
    private Logging() {}

    /** The fields a request is logged with: a record's components, by name; anything else as {@code req}. */
    private static final ClassValue<Field[]> FIELDS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> type) {
            if (!type.isRecord()) {
                return null;
            }
            RecordComponent[] components = type.getRecordComponents();
            Field[] fields = new Field[components.length];
            for (int i = 0; i < components.length; i++) {
                try {
                    var accessor = components[i].getAccessor();
                    accessor.setAccessible(true);
                    fields[i] = new Field(components[i].getName(), MethodHandles.lookup().unreflect(accessor));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return null;
                }
            }
            return fields;
        }
    };

    private record Field(String name, MethodHandle accessor) {}

    /**
     * Logs every call to {@code logger}.
     *
     * @param server the address of this process, as callers reach it ({@code host:port})
     * @param method the name of the operation, e.g. {@code ProductByName}
     */
    public static <Req, Res> Middleware<Req, Res> middleware(Logger logger, String server, String method) {
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(method, "method");
        return Middleware.named("logging", next -> (ctx, request) -> {
            long start = System.nanoTime();
            try {
                Res response = next.call(ctx, request);
                log(logger.atInfo(), server, method, request, ctx, start, null);
                return response;
            } catch (Exception e) {
                log(levelFor(logger, e), server, method, request, ctx, start, e);
                throw e;
            }
        });
    }

    private static LoggingEventBuilder levelFor(Logger logger, Exception e) {
        return switch (EndpointException.kindOf(e)) {
            case NOT_FOUND, BAD_REQUEST -> logger.atInfo();
            case RATE_LIMITED, UNAVAILABLE, DEADLINE_EXCEEDED -> logger.atWarn();
            case INTERNAL -> logger.atError().setCause(e);
        };
    }

    private static void log(LoggingEventBuilder event, String server, String method, Object request,
                            RequestContext ctx, long start, Exception error) {
        event.addKeyValue("server", server).addKeyValue("method", method);
        addRequestFields(event, request);
        event.addKeyValue("took", millis(System.nanoTime() - start));
        ctx.log().get(CallLog.INSTANCE).ifPresent(instance -> event.addKeyValue("instance", instance));
        ctx.log().get(CallLog.ATTEMPTS).ifPresent(attempts -> event.addKeyValue("attempts", attempts));
        if (error != null) {
            event.addKeyValue("err", String.valueOf(error.getMessage()));
        }
        event.log();
    }

    /** {@code 1.234ms}, without String.format, which would cost more than the rest of the line. */
    static String millis(long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        long fraction = micros % 1000;
        return (micros / 1000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction + "ms";
    }

    private static void addRequestFields(LoggingEventBuilder event, Object request) {
        Field[] fields = request == null ? null : FIELDS.get(request.getClass());
        if (fields == null) {
            event.addKeyValue("req", request);
            return;
        }
        for (Field field : fields) {
            try {
                event.addKeyValue(field.name(), field.accessor().invoke(request));
            } catch (Throwable e) {
                event.addKeyValue(field.name(), "?");
            }
        }
    }
}
