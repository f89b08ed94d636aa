package io.javakit.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.transport.http.Deadlines;
import io.javakit.transport.http.ForwardedHeaders;
import io.javakit.transport.http.HttpClient;
import io.javakit.transport.http.HttpClientTransport;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.OutgoingRequest;
import io.javakit.transport.http.Propagation;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A gateway with one propagation registered on its server and its client, between a caller and a real upstream. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TracingPropagationTest {
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    @Test
    void aClientWithThePropagationSendsTraceContextDeadlineAndForwardedHeadersUpstream() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        Propagation propagation = Propagation.of(Tracing.propagation(), ForwardedHeaders.propagation(),
                Deadlines.propagation(Duration.ofSeconds(1)));
        AtomicReference<Headers> upstreamSaw = new AtomicReference<>();
        SpanData attempt;
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
             HttpServer upstream = HttpServer.builder((ctx, req) -> {
                     upstreamSaw.set(req.headers());
                     return HttpResponse.json(200, "{}".getBytes());
                 }).host("127.0.0.1").start()) {
            Tracer tracer = provider.get(Tracing.INSTRUMENTATION_NAME);
            HttpClient client = HttpClient.builder().propagation(propagation).build();
            Endpoint<String, String> callUpstream = Tracing.<String, String>client(tracer, "GET /{name}").wrap(
                    HttpClientTransport.endpoint(client, "GET", URI.create("http://127.0.0.1:" + upstream.port()),
                            (ctx, name) -> OutgoingRequest.path(name), (ctx, res) -> res.bodyText()));
            try (HttpServer gateway = HttpServer.builder((ctx, req) -> HttpResponse.json(200, callUpstream.call(ctx, "x").getBytes()))
                    .propagation(propagation).host("127.0.0.1").start()) {

                HttpResponse answer = HttpClient.ofDefaults().send("GET", URI.create("http://127.0.0.1:" + gateway.port() + "/x"),
                        Headers.of("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01", "X-Custom", "kept"),
                        new byte[0], Duration.ofSeconds(5));

                assertThat(answer.status()).isEqualTo(200);
            }
            // read before the provider closes: closing its exporter drops the finished spans
            attempt = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
        }
        assertThat(attempt.getTraceId()).as("the gateway continued the caller's trace").isEqualTo(CALLER_TRACE);
        assertThat(attempt.getParentSpanId()).isEqualTo(CALLER_SPAN);
        Headers seen = upstreamSaw.get();
        assertThat(seen.all("traceparent")).as("the attempt's context, not the caller's")
                .containsExactly("00-" + CALLER_TRACE + "-" + attempt.getSpanId() + "-01");
        assertThat(seen.all(Deadlines.HEADER)).singleElement()
                .satisfies(ms -> assertThat(Long.parseLong(ms)).isPositive().isLessThanOrEqualTo(1000));
        assertThat(seen.first(ForwardedHeaders.X_FORWARDED_FOR)).hasValue("127.0.0.1");
        assertThat(seen.first(ForwardedHeaders.X_FORWARDED_PROTO)).hasValue("http");
        assertThat(seen.first("x-custom")).hasValue("kept");
    }

    @Test
    void theTracePropagationPrintsWhatItCarries() {
        assertThat(Tracing.propagation()).hasToString("trace-context");
        assertThat(Tracing.propagation(W3CTraceContextPropagator.getInstance())).hasToString("trace-context");
        assertThat(Propagation.of(Tracing.propagation(), Deadlines.propagation()))
                .hasToString("propagation(trace-context, deadline(from caller))");
    }
}
