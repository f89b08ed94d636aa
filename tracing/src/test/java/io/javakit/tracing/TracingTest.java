package io.javakit.tracing;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThatThrownBy;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.OutgoingRequest;
import io.javakit.transport.http.RequestEncoder;
import io.javakit.transport.http.Router;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class TracingTest {
    record ByName(String name) {}

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final SdkTracerProvider provider =
            SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    private final Tracer tracer = provider.get(Tracing.INSTRUMENTATION_NAME);

    @AfterEach
    void close() {
        provider.close();
        MDC.clear();
    }

    private SpanData only() {
        assertThat(spans.getFinishedSpanItems()).hasSize(1);
        return spans.getFinishedSpanItems().get(0);
    }

    @Test
    void makesTheSpanCurrentAndItsIdsTheMdcsWhileTheInnerEndpointRunsAndRestoresTheOuterOnes() throws Exception {
        List<String> seen = new ArrayList<>();
        Endpoint<ByName, String> inner = Tracing.<ByName, String>client(tracer, "inner").wrap((ctx, req) -> {
            seen.add(Span.current().getSpanContext().getSpanId() + " " + MDC.get(Tracing.MDC_SPAN_ID));
            return "ok";
        });
        Endpoint<ByName, String> outer = Tracing.<ByName, String>middleware(tracer, "outer").wrap((ctx, req) -> {
            String result = inner.call(ctx, req);
            seen.add(Span.current().getSpanContext().getSpanId() + " " + MDC.get(Tracing.MDC_SPAN_ID));
            return result;
        });

        assertThat(outer.call(RequestContext.background(), new ByName("a"))).isEqualTo("ok");

        SpanData innerSpan = spans.getFinishedSpanItems().get(0);
        SpanData outerSpan = spans.getFinishedSpanItems().get(1);
        assertThat(innerSpan).hasName("inner").hasKind(SpanKind.CLIENT).hasParent(outerSpan);
        assertThat(outerSpan).hasName("outer").hasKind(SpanKind.INTERNAL).hasNoParent();
        assertThat(seen).containsExactly(innerSpan.getSpanId() + " " + innerSpan.getSpanId(),
                outerSpan.getSpanId() + " " + outerSpan.getSpanId());
        assertThat(MDC.get(Tracing.MDC_TRACE_ID)).isNull();
        assertThat(MDC.get(Tracing.MDC_SPAN_ID)).isNull();
        assertThat(Span.current().getSpanContext().isValid()).isFalse();
    }

    @Test
    void marksOnlyFailuresOfAnInstanceAsErrorsButRecordsEveryFailuresKind() {
        List<RuntimeException> failures = List.of(new NotFoundException("no such user"),
                new RateLimitedException("slow down"), new UnavailableException("down"), new IllegalStateException("bug"));
        for (RuntimeException failure : failures) {
            Endpoint<ByName, String> failing = Tracing.<ByName, String>client(tracer, "call")
                    .wrap((ctx, req) -> { throw failure; });
            assertThatThrownBy(() -> failing.call(RequestContext.background(), new ByName("a"))).isSameAs(failure);
        }

        List<SpanData> ended = spans.getFinishedSpanItems();
        assertThat(ended.get(0)).hasStatus(StatusData.unset()).hasAttribute(Tracing.ERROR_KIND, "not_found")
                .hasTotalRecordedEvents(0);
        assertThat(ended.get(1)).hasStatus(StatusData.unset()).hasAttribute(Tracing.ERROR_KIND, "rate_limited")
                .hasTotalRecordedEvents(0);
        assertThat(ended.get(2)).hasStatus(StatusData.create(StatusData.error().getStatusCode(), "down"))
                .hasAttribute(Tracing.ERROR_KIND, "unavailable").hasException(failures.get(2));
        assertThat(ended.get(3)).hasStatus(StatusData.create(StatusData.error().getStatusCode(), "bug"))
                .hasAttribute(Tracing.ERROR_KIND, "internal").hasException(failures.get(3));
    }

    @Test
    void recordsTheServingInstanceOnClientSpansButNotOnServerSpans() throws Exception {
        Endpoint<ByName, String> servedBy = (ctx, req) -> {
            ctx.log().put(CallLog.INSTANCE, "[::1]:8081");
            return "ok";
        };
        Tracing.<ByName, String>client(tracer, "client").wrap(servedBy).call(RequestContext.background(), new ByName("a"));
        Tracing.<ByName, String>server(tracer, "server").wrap(servedBy).call(RequestContext.background(), new ByName("a"));

        assertThat(spans.getFinishedSpanItems().get(0)).hasAttribute(Tracing.SERVER_ADDRESS, "::1")
                .hasAttribute(Tracing.SERVER_PORT, 8081L);
        assertThat(spans.getFinishedSpanItems().get(1)).hasKind(SpanKind.SERVER).hasTotalAttributeCount(0);
    }

    @Test
    void chainsDescribeTheirSpans() {
        Endpoint<ByName, String> traced = Tracing.<ByName, String>server(tracer, "UserByName")
                .wrap(Endpoint.named("users", (ctx, req) -> "ok"));
        assertThat(traced).hasToString("tracing(UserByName) -> users");
    }

    @Test
    @SuppressWarnings("try")
    void injectedHeadersReplaceTheEncodersAndExtractionContinuesTheTrace() throws Exception {
        RequestEncoder<ByName> encoder = Tracing.inject((ctx, req) -> OutgoingRequest.path(req.name())
                .withHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .withHeader("accept", "application/json"));
        Span span = tracer.spanBuilder("caller").startSpan();
        OutgoingRequest sent;
        try (Scope scope = span.makeCurrent()) {
            sent = encoder.encode(RequestContext.background(), new ByName("alice"));
        } finally {
            span.end();
        }
        assertThat(sent.pathSegments()).containsExactly("alice");
        assertThat(sent.headers().all("accept")).containsExactly("application/json");
        assertThat(sent.headers().all("traceparent")).containsExactly(
                "00-" + span.getSpanContext().getTraceId() + "-" + span.getSpanContext().getSpanId() + "-"
                        + span.getSpanContext().getTraceFlags().asHex());

        List<SpanContext> parents = new ArrayList<>();
        Tracing.extract().wrap((ctx, request) -> {
            parents.add(Span.current().getSpanContext());
            return new HttpResponse(204, null, null);
        }).call(RequestContext.background(), new HttpRequest("GET", "/alice", "", sent.headers(), null, null, null));
        assertThat(parents).singleElement().satisfies(parent -> {
            assertThat(parent.isRemote()).isTrue();
            assertThat(parent.getSpanId()).isEqualTo(span.getSpanContext().getSpanId());
        });
    }

    @Test
    void injectsNothingOutsideASpan() throws Exception {
        OutgoingRequest sent = Tracing.<ByName>inject((ctx, req) -> OutgoingRequest.path(req.name()))
                .encode(RequestContext.background(), new ByName("alice"));
        assertThat(sent.headers()).isEqualTo(Headers.empty());
    }

    @Test
    void rejectsAnUnknownExporter() {
        assertThatThrownBy(() -> Tracing.sdk("users", "jaeger"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("exporter: 'jaeger' (expected: otlp, logging or none)");
    }

    @Test
    void theOtlpEndpointComesFromTheArgumentThenTheEnvironmentThenTheDefault() {
        assertThat(Tracing.tracesEndpoint("http://collector:4318/", "http://env:4318"))
                .isEqualTo("http://collector:4318/v1/traces");
        assertThat(Tracing.tracesEndpoint(null, "http://env:4318")).isEqualTo("http://env:4318/v1/traces");
        assertThat(Tracing.tracesEndpoint(null, null)).isEqualTo("http://localhost:4318/v1/traces");
    }

    @Test
    void theOtlpExporterPostsTheServicesSpansToTheCollectorWhenClosed() {
        List<HttpRequest> received = new CopyOnWriteArrayList<>();
        try (HttpServer collector = HttpServer.builder(Router.builder().post("/v1/traces", (ctx, request) -> {
            received.add(request);
            return new HttpResponse(200, Headers.of("content-type", "application/x-protobuf"), null);
        }).build()).host("127.0.0.1").start()) {
            try (OpenTelemetrySdk sdk = Tracing.sdk("users", "otlp", "http://127.0.0.1:" + collector.port())) {
                sdk.getTracer(Tracing.INSTRUMENTATION_NAME).spanBuilder("UserByName").startSpan().end();
            }
        }
        assertThat(received).singleElement().satisfies(request -> {
            assertThat(request.headers().first("content-type")).hasValue("application/x-protobuf");
            assertThat(new String(request.body(), StandardCharsets.ISO_8859_1)).contains("users", "UserByName");
        });
    }

    @Test
    void theLoggingExporterLogsEachSpanWhenItEnds() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger logger = Logger.getLogger(LoggingSpanExporter.class.getName());
        logger.addHandler(handler);
        try (OpenTelemetrySdk sdk = Tracing.sdk("users", "logging")) {
            sdk.getTracer(Tracing.INSTRUMENTATION_NAME).spanBuilder("UserByName").startSpan().end();
            assertThat(records).anySatisfy(r -> assertThat(r.getMessage()).contains("'UserByName'"));
        } finally {
            logger.removeHandler(handler);
        }
    }
}
