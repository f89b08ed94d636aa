package io.javakit.tracing;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.Propagation;
import io.javakit.transport.http.RequestEncoder;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.MDC;

/**
 * Tracing through the OpenTelemetry API: one span per endpoint call, the W3C trace context carried over the HTTP
 * transports, and the trace id in every log line written while a span is current.
 *
 * <p>On a service, register {@link #propagation()} on the server, so that the caller's context is current around
 * the router, and open a server span around each endpoint, inside the transport so that the span sees the typed error rather than the encoded response:
 * <pre>{@code
 * Tracer tracer = otel.getTracer(Tracing.INSTRUMENTATION_NAME);
 * Router router = Router.builder()
 *         .get("/users/{name}", HttpServerTransport.serve(byName,
 *                 Tracing.<ByName, User>server(tracer, "UserByName").wrap(userByName), Json.encoder()))
 *         .build();
 * HttpServer.builder(router).propagation(Tracing.propagation()).port(8081).start();
 * }</pre>
 *
 * <p>On a gateway, one span for the logical call around the retry, and a client span per attempt inside it; the
 * client's propagation sends the attempt's context with the request, so that each retry shows as its own child:
 * <pre>{@code
 * HttpClient client = HttpClient.builder().propagation(Tracing.propagation()).build();
 * Endpointer<ByName, User> instances = Endpointer.of(instancer, instance ->
 *         Tracing.<ByName, User>client(tracer, "GET /users/{name}").wrap(HttpClientTransport.endpoint(client, "GET",
 *                 URI.create("http://" + instance.address()),
 *                 (ctx, req) -> OutgoingRequest.path("users", req.name()), Json.decoder(User.class))));
 * Endpoint<ByName, User> users = Tracing.<ByName, User>middleware(tracer, "UserByName")
 *         .wrap(Retry.retry(3, Duration.ofSeconds(1), Balancers.roundRobin(instances)));
 * }</pre>
 *
 * <p><b>Failures.</b> Every failed call gets {@link #ERROR_KIND}; the span's status becomes {@link StatusCode#ERROR},
 * with the exception recorded, only for {@linkplain EndpointException#isInstanceFailure failures of an instance}
 * (unavailable, deadline exceeded, unexpected). A not-found, a bad request or a rate limit is an answer, on the
 * client as on the server: marking it as an error would make every trace that looks up a missing name look broken,
 * and hide the instances that really fail.
 *
 * <p><b>Logs.</b> While a span of these middlewares is current, the SLF4J MDC holds {@link #MDC_TRACE_ID} and
 * {@link #MDC_SPAN_ID}; put tracing outside logging in a chain, so that the logging middleware's line carries them.
 */
public final class Tracing {
    /** The name to get this module's tracer under: {@code otel.getTracer(Tracing.INSTRUMENTATION_NAME)}. */
    public static final String INSTRUMENTATION_NAME = "io.javakit.tracing";
    /** The MDC key of the current trace id (32 hex digits), as OpenTelemetry's own MDC instrumentation names it. */
    public static final String MDC_TRACE_ID = "trace_id";
    /** The MDC key of the current span id (16 hex digits). */
    public static final String MDC_SPAN_ID = "span_id";
    /** On every failed call: the {@link EndpointException.Kind} in lower case, e.g. {@code not_found}. */
    public static final AttributeKey<String> ERROR_KIND = AttributeKey.stringKey("javakit.error.kind");
    /** On client and internal spans: the host of the instance that served ({@link CallLog#INSTANCE}). */
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    /** On client and internal spans: the port of the instance that served. */
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    /**
     * Where {@link #sdk} sends OTLP when neither its argument nor {@code OTEL_EXPORTER_OTLP_ENDPOINT} says:
     * {@code http://localhost:4318}, the collector's OTLP/HTTP port.
     */
    public static final String DEFAULT_OTLP_ENDPOINT = "http://localhost:4318";

    private static final TextMapGetter<Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public String get(Headers carrier, String key) {
            return carrier == null ? null : carrier.first(key).orElse(null);
        }

        @Override
        public Iterator<String> getAll(Headers carrier, String key) {
            return carrier == null ? Collections.emptyIterator() : carrier.all(key).iterator();
        }
    };

    private static final Propagation W3C = propagation(W3CTraceContextPropagator.getInstance());

    private Tracing() {}

    /**
     * One {@link SpanKind#INTERNAL} span per call, for a logical call that is neither served nor sent by this layer
     * itself, such as a gateway's call through retry and balancer.
     */
    public static <Req, Res> Middleware<Req, Res> middleware(Tracer tracer, String spanName) {
        return span(tracer, spanName, SpanKind.INTERNAL);
    }

    /**
     * One {@link SpanKind#SERVER} span per call, a child of the current context: the caller's, when the server
     * has {@link #propagation()}.
     */
    public static <Req, Res> Middleware<Req, Res> server(Tracer tracer, String spanName) {
        return span(tracer, spanName, SpanKind.SERVER);
    }

    /**
     * One {@link SpanKind#CLIENT} span per call, for a request to one instance; with {@link #propagation()} on the
     * client, the instance's server span becomes its child.
     */
    public static <Req, Res> Middleware<Req, Res> client(Tracer tracer, String spanName) {
        return span(tracer, spanName, SpanKind.CLIENT);
    }

    @SuppressWarnings("try") // the scope and the MDC ids are closed, never read
    private static <Req, Res> Middleware<Req, Res> span(Tracer tracer, String spanName, SpanKind kind) {
        Objects.requireNonNull(tracer, "tracer");
        Objects.requireNonNull(spanName, "spanName");
        return Middleware.named("tracing(" + spanName + ")", next -> (ctx, request) -> {
            Span span = tracer.spanBuilder(spanName).setSpanKind(kind).startSpan();
            try (Scope scope = span.makeCurrent(); MdcIds previous = MdcIds.put(span.getSpanContext())) {
                return next.call(ctx, request);
            } catch (Exception e) {
                span.setAttribute(ERROR_KIND, EndpointException.kindOf(e).name().toLowerCase(Locale.ROOT));
                if (EndpointException.isInstanceFailure(e)) {
                    span.setStatus(StatusCode.ERROR, Objects.toString(e.getMessage(), e.getClass().getSimpleName()));
                    span.recordException(e);
                }
                throw e;
            } finally {
                // A server span's log holds the instances its own calls went to, not the server's address.
                if (kind != SpanKind.SERVER) {
                    ctx.log().get(CallLog.INSTANCE).ifPresent(instance -> setServer(span, instance));
                }
                span.end();
            }
        });
    }

    /** Sets {@code server.address} and {@code server.port} from {@code host:port} ({@code [v6]:port}). */
    private static void setServer(Span span, String instance) {
        int colon = instance.lastIndexOf(':');
        String host = colon < 0 ? instance : instance.substring(0, colon);
        boolean bracketed = host.length() > 1 && host.startsWith("[") && host.endsWith("]");
        span.setAttribute(SERVER_ADDRESS, bracketed ? host.substring(1, host.length() - 1) : host);
        String port = colon < 0 ? "" : instance.substring(colon + 1);
        if (!port.isEmpty() && port.length() <= 5 && port.chars().allMatch(Character::isDigit)) {
            span.setAttribute(SERVER_PORT, Long.parseLong(port));
        }
    }

    /**
     * The W3C trace context both ways. Server half: makes the caller's context, read from the {@code traceparent}
     * and {@code tracestate} headers, current while the handler runs, so that the server spans inside it continue
     * the caller's trace. Client half: writes the current context into each request as {@code traceparent} and
     * (when there is one) {@code tracestate}, replacing any the encoder set; under a {@link #client} span, the
     * receiving server's spans become that span's children.
     */
    public static Propagation propagation() {
        return W3C;
    }

    /**
     * Like {@link #propagation()}, with another propagator, e.g. {@code otel.getPropagators().getTextMapPropagator()}
     * to carry baggage too.
     */
    @SuppressWarnings("try") // the scope is closed, never read
    public static Propagation propagation(TextMapPropagator propagator) {
        Objects.requireNonNull(propagator, "propagator");
        return Propagation.named(propagator == W3CTraceContextPropagator.getInstance() ? "trace-context" : "trace-context(" + propagator + ")",
                next -> (ctx, request) -> {
                    try (Scope scope = propagator.extract(Context.current(), request.headers(), HEADERS).makeCurrent()) {
                        return next.call(ctx, request);
                    }
                },
                (ctx, headers) -> propagator.inject(Context.current(), headers, (carrier, name, value) -> carrier.set(name, value)));
    }

    /** The server half of {@link #propagation()}, for a server without it. */
    public static Middleware<HttpRequest, HttpResponse> extract() {
        return W3C.server();
    }

    /** The server half of {@link #propagation(TextMapPropagator)}, for a server without it. */
    public static Middleware<HttpRequest, HttpResponse> extract(TextMapPropagator propagator) {
        return propagation(propagator).server();
    }

    /** The client half of {@link #propagation()} for one endpoint, for a client without it. */
    public static <Req> RequestEncoder<Req> inject(RequestEncoder<Req> encoder) {
        return W3C.client(encoder);
    }

    /** The client half of {@link #propagation(TextMapPropagator)} for one endpoint, for a client without it. */
    public static <Req> RequestEncoder<Req> inject(TextMapPropagator propagator, RequestEncoder<Req> encoder) {
        return propagation(propagator).client(encoder);
    }

    /**
     * An SDK that names this process {@code serviceName} and exports through {@code exporter}; OTLP goes to
     * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, or {@link #DEFAULT_OTLP_ENDPOINT} when unset.
     *
     * @see #sdk(String, String, String)
     */
    public static OpenTelemetrySdk sdk(String serviceName, String exporter) {
        return sdk(serviceName, exporter, null);
    }

    /**
     * An SDK that names this process {@code serviceName}, samples every trace it starts and follows the caller's decision
     * for the others, propagates
     * W3C trace context and baggage, and exports spans through {@code exporter}:
     * <ul>
     *   <li>{@code otlp}: OTLP/HTTP to {@code otlpEndpoint + "/v1/traces"}, in batches;
     *   <li>{@code logging}: each span as a {@code java.util.logging} line when it ends, for development;
     *   <li>{@code none}: nowhere; spans are still recorded, so log lines get trace ids and context passes on.
     * </ul>
     * Close the SDK when the process stops: that flushes the spans not yet exported.
     *
     * @param otlpEndpoint the collector's base URL, e.g. {@code http://collector:4318}; {@code null} for
     *     {@code OTEL_EXPORTER_OTLP_ENDPOINT}, or {@link #DEFAULT_OTLP_ENDPOINT} when that is unset
     * @throws IllegalArgumentException if {@code exporter} is none of these
     */
    /** Makes the SDK record spans (ids, timing, attributes) that nothing exports: trace ids for the logs. */
    private static final SpanProcessor RECORD_ONLY = new SpanProcessor() {
        @Override
        public void onStart(io.opentelemetry.context.Context parent, ReadWriteSpan span) {}

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {}

        @Override
        public boolean isEndRequired() {
            return true;
        }
    };

    public static OpenTelemetrySdk sdk(String serviceName, String exporter, String otlpEndpoint) {
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(exporter, "exporter");
        if (serviceName.isBlank()) {
            throw new IllegalArgumentException("serviceName: '" + serviceName + "' (expected: not blank)");
        }
        SdkTracerProviderBuilder traces = SdkTracerProvider.builder().setResource(Resource.getDefault()
                .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), serviceName))));
        switch (exporter.toLowerCase(Locale.ROOT)) {
            case "otlp" -> traces.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                    .setEndpoint(tracesEndpoint(otlpEndpoint, System.getenv("OTEL_EXPORTER_OTLP_ENDPOINT")))
                    .build()).build());
            case "logging" -> traces.addSpanProcessor(SimpleSpanProcessor.create(LoggingSpanExporter.create()));
            case "none" -> traces.addSpanProcessor(RECORD_ONLY);
            default -> throw new IllegalArgumentException(
                    "exporter: '" + exporter + "' (expected: otlp, logging or none)");
        }
        return OpenTelemetrySdk.builder()
                .setTracerProvider(traces.build())
                .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
                        W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
                .build();
    }

    /** The OTLP/HTTP traces URL: the base URL, as the OpenTelemetry spec defines it, plus the signal's path. */
    static String tracesEndpoint(String explicit, String fromEnvironment) {
        String base = explicit != null ? explicit
                : fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment : DEFAULT_OTLP_ENDPOINT;
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/traces";
    }

    /** The MDC's ids before a span became current, put back when it stops being current. */
    private record MdcIds(String traceId, String spanId) implements AutoCloseable {
        static MdcIds put(SpanContext span) {
            MdcIds previous = new MdcIds(MDC.get(MDC_TRACE_ID), MDC.get(MDC_SPAN_ID));
            if (span.isValid()) {
                MDC.put(MDC_TRACE_ID, span.getTraceId());
                MDC.put(MDC_SPAN_ID, span.getSpanId());
            }
            return previous;
        }

        @Override
        public void close() {
            restore(MDC_TRACE_ID, traceId);
            restore(MDC_SPAN_ID, spanId);
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }
}
