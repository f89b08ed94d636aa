package io.javakit.tracing;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThatThrownBy;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import io.javakit.sd.Endpointer;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.sd.lb.Balancer;
import io.javakit.sd.lb.Retry;
import io.javakit.transport.http.HttpClient;
import io.javakit.transport.http.HttpClientTransport;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.HttpServerTransport;
import io.javakit.transport.http.Json;
import io.javakit.transport.http.OutgoingRequest;
import io.javakit.transport.http.Router;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.assertj.TracesAssert;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * A gateway-like chain (span, retry, a balancer over per-instance client spans) calling a real HTTP service that
 * extracts the trace context and opens a server span, all exporting to one in-memory exporter.
 */
class TracingAcrossHttpTest {
    record ByName(String name) {}
    record User(String name) {}

    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static final SdkTracerProvider PROVIDER =
            SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build();
    private static final Tracer TRACER = PROVIDER.get(Tracing.INSTRUMENTATION_NAME);
    /** What the service saw while serving: the current span and the MDC's ids. */
    private static final AtomicReference<List<String>> SEEN = new AtomicReference<>();

    private static HttpServer service;
    private static Instance live;
    private static Instance dead;
    private static Endpointer<ByName, User> instances;

    @BeforeAll
    static void start() throws IOException {
        Endpoint<ByName, User> userByName = (ctx, req) -> {
            SEEN.set(List.of(Span.current().getSpanContext().getSpanId(), MDC.get(Tracing.MDC_TRACE_ID),
                    MDC.get(Tracing.MDC_SPAN_ID)));
            if (req.name().equals("nobody")) {
                throw new NotFoundException("no user nobody");
            }
            return new User(req.name());
        };
        service = HttpServer.builder(Tracing.extract().wrap(Router.builder()
                .get("/users/{name}", HttpServerTransport.serve((ctx, http) -> new ByName(http.pathVariable("name")),
                        Tracing.<ByName, User>server(TRACER, "UserByName").wrap(userByName), Json.encoder()))
                .build())).host("127.0.0.1").start();
        live = new Instance("127.0.0.1", service.port());
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = new Instance("127.0.0.1", closed.getLocalPort());
        }
        HttpClient client = HttpClient.ofDefaults();
        instances = Endpointer.of(new FixedInstancer(List.of(live, dead)), instance ->
                Tracing.<ByName, User>client(TRACER, "GET /users/{name}").wrap(HttpClientTransport.endpoint(client,
                        "GET", URI.create("http://" + instance.address()),
                        Tracing.inject((ctx, req) -> OutgoingRequest.path("users", req.name())),
                        Json.decoder(User.class))));
    }

    @AfterAll
    static void stop() {
        instances.close();
        service.close();
        PROVIDER.close();
    }

    @BeforeEach
    void forgetEarlierSpans() {
        SPANS.reset();
        SEEN.set(null);
    }

    /** The gateway: a span around retry over a balancer that picks the dead instance first, then the live one. */
    private static Endpoint<ByName, User> gateway() {
        List<Endpoint<ByName, User>> order = Stream.of(dead, live)
                .map(instance -> instances.endpoints().stream().filter(e -> e.instance().equals(instance))
                        .findFirst().orElseThrow().endpoint())
                .toList();
        AtomicInteger picks = new AtomicInteger();
        Balancer<ByName, User> deadFirst = () -> order.get(picks.getAndIncrement() % order.size());
        return Tracing.<ByName, User>middleware(TRACER, "UserByName")
                .wrap(Retry.retry(3, Duration.ofSeconds(5), deadFirst));
    }

    @Test
    void oneTraceRunsFromTheGatewayThroughEachAttemptIntoTheService() throws Exception {
        assertThat(gateway().call(RequestContext.background(), new ByName("alice"))).isEqualTo(new User("alice"));

        List<SpanData> spans = SPANS.getFinishedSpanItems();
        TracesAssert.assertThat(spans).hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactly(
                gatewaySpan -> gatewaySpan.hasName("UserByName").hasKind(SpanKind.INTERNAL).hasNoParent()
                        .hasStatus(StatusData.unset())
                        .hasAttributesSatisfyingExactly(equalTo(Tracing.SERVER_ADDRESS, "127.0.0.1"),
                                equalTo(Tracing.SERVER_PORT, live.port())),
                failedAttempt -> failedAttempt.hasName("GET /users/{name}").hasKind(SpanKind.CLIENT)
                        .hasParent(trace.getSpan(0))
                        .hasStatusSatisfying(status -> status.hasCode(StatusData.error().getStatusCode()))
                        .hasAttributesSatisfyingExactly(equalTo(Tracing.ERROR_KIND, "unavailable"),
                                equalTo(Tracing.SERVER_ADDRESS, "127.0.0.1"), equalTo(Tracing.SERVER_PORT, dead.port()))
                        .hasEventsSatisfyingExactly(event -> event.hasName("exception")),
                goodAttempt -> goodAttempt.hasName("GET /users/{name}").hasKind(SpanKind.CLIENT)
                        .hasParent(trace.getSpan(0)).hasStatus(StatusData.unset())
                        .hasAttributesSatisfyingExactly(equalTo(Tracing.SERVER_ADDRESS, "127.0.0.1"),
                                equalTo(Tracing.SERVER_PORT, live.port())),
                serverSpan -> serverSpan.hasName("UserByName").hasKind(SpanKind.SERVER)
                        .hasParent(trace.getSpan(2)).hasStatus(StatusData.unset()).hasTotalAttributeCount(0)));

        SpanData served = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertThat(served.getParentSpanContext().isRemote()).as("the parent came over HTTP").isTrue();
        assertThat(SEEN.get()).as("current span and MDC while the service ran")
                .containsExactly(served.getSpanId(), served.getTraceId(), served.getSpanId());
    }

    @Test
    void aNotFoundIsRecordedOnBothSidesWithoutMarkingTheTraceAsFailed() {
        assertThatThrownBy(() -> gateway().call(RequestContext.background(), new ByName("nobody")))
                .isInstanceOf(NotFoundException.class);

        List<SpanData> spans = SPANS.getFinishedSpanItems();
        SpanData call = spans.stream().filter(s -> s.getKind() == SpanKind.INTERNAL).findFirst().orElseThrow();
        assertThat(call).hasStatus(StatusData.unset()).hasAttribute(Tracing.ERROR_KIND, "not_found");
        SpanData served = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        SpanData answered = spans.stream().filter(s -> s.getSpanId().equals(served.getParentSpanId()))
                .findFirst().orElseThrow();
        assertThat(served).hasStatus(StatusData.unset()).hasAttribute(Tracing.ERROR_KIND, "not_found");
        assertThat(answered).hasKind(SpanKind.CLIENT).hasStatus(StatusData.unset())
                .hasAttribute(Tracing.ERROR_KIND, "not_found").hasTotalRecordedEvents(0);
    }
}
