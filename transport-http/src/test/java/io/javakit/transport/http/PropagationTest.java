package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.RequestContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PropagationTest {
    private static final Propagation GATEWAY = Propagation.of(ForwardedHeaders.propagation(), Deadlines.propagation(Duration.ofSeconds(1)));

    private final HttpClient plain = HttpClient.ofDefaults();

    private HttpResponse get(HttpServer server, Headers headers) throws Exception {
        return plain.send("GET", URI.create("http://127.0.0.1:" + server.port() + "/x"), headers, new byte[0], Duration.ofSeconds(5));
    }

    @Test
    void aServerWithPropagationRegisteredOnceNarrowsTheDeadlineAndCapturesForwardedHeaders() throws Exception {
        AtomicReference<RequestContext> seen = new AtomicReference<>();
        try (HttpServer server = HttpServer.builder((ctx, req) -> {
                    seen.set(ctx);
                    return HttpResponse.json(200, "{}".getBytes());
                }).propagation(GATEWAY).host("127.0.0.1").start()) {

            assertThat(get(server, Headers.of(Deadlines.HEADER, "150", "X-Caller", "a")).status()).isEqualTo(200);

            assertThat(seen.get().remaining()).hasValueSatisfying(left -> assertThat(left).isPositive().isLessThanOrEqualTo(Duration.ofMillis(150)));
            Headers captured = seen.get().get(ForwardedHeaders.ATTRIBUTE).orElseThrow();
            assertThat(captured.first("x-caller")).hasValue("a");
            assertThat(captured.first(ForwardedHeaders.X_FORWARDED_FOR)).hasValue("127.0.0.1");
            assertThat(captured.first(ForwardedHeaders.X_FORWARDED_HOST)).hasValue("127.0.0.1:" + server.port());
        }
    }

    @Test
    void theServerHalfAnswersForTheHandlerWhenTheCallerIsOutOfTime() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        try (HttpServer server = HttpServer.builder((ctx, req) -> {
                    handled.add(req.path());
                    return HttpResponse.json(200, "{}".getBytes());
                }).propagation(GATEWAY).host("127.0.0.1").start()) {

            assertThat(get(server, Headers.of(Deadlines.HEADER, "0")).status()).isEqualTo(504);
            assertThat(get(server, Headers.of(Deadlines.HEADER, "soon")).status()).isEqualTo(400);
            assertThat(handled).isEmpty();
        }
    }

    @Test
    void aGatewayWithOnePropagationOnServerAndClientPassesDeadlineAndCallerHeadersUpstream() throws Exception {
        AtomicReference<Headers> upstreamSaw = new AtomicReference<>();
        try (HttpServer upstream = HttpServer.builder((ctx, req) -> {
                    upstreamSaw.set(req.headers());
                    return HttpResponse.json(200, "{}".getBytes());
                }).host("127.0.0.1").start()) {
            HttpClient client = HttpClient.builder().propagation(GATEWAY).build();
            Endpoint<String, String> callUpstream = HttpClientTransport.endpoint(client, "GET", URI.create("http://127.0.0.1:" + upstream.port()),
                    (ctx, name) -> OutgoingRequest.path(name).withHeader("X-Choice", "encoder's"), (ctx, res) -> res.bodyText());
            try (HttpServer gateway = HttpServer.builder((ctx, req) -> HttpResponse.json(200, callUpstream.call(ctx, "x").getBytes()))
                    .propagation(GATEWAY).host("127.0.0.1").start()) {

                assertThat(get(gateway, Headers.of("X-Custom", "kept", "X-Choice", "caller's", Deadlines.HEADER, "60000")).status())
                        .isEqualTo(200);

                Headers seen = upstreamSaw.get();
                assertThat(seen.all("x-custom")).containsExactly("kept");
                assertThat(seen.all("x-choice")).as("the encoder's header wins over the caller's").containsExactly("encoder's");
                assertThat(seen.first(ForwardedHeaders.X_FORWARDED_FOR)).hasValue("127.0.0.1");
                assertThat(seen.first(ForwardedHeaders.X_FORWARDED_PROTO)).hasValue("http");
                assertThat(seen.first(ForwardedHeaders.X_FORWARDED_HOST)).hasValue("127.0.0.1:" + gateway.port());
                assertThat(seen.all(Deadlines.HEADER)).as("the gateway's own deadline, capped at 1 s, once").singleElement()
                        .satisfies(ms -> assertThat(Long.parseLong(ms)).isPositive().isLessThanOrEqualTo(1000));
            }
        }
    }

    @Test
    void serverHalvesNestInOrderAndClientHalvesWriteInOrderWithTheLaterSetWinning() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Propagation a = recording("a", events);
        Propagation b = recording("b", events);
        Propagation composed = Propagation.of(a, b);

        composed.server().wrap((ctx, req) -> {
            events.add("handler");
            return HttpResponse.json(200, new byte[0]);
        }).call(RequestContext.background(), HttpRequest.of("GET", "/x"));
        Headers out = composed.outgoing(RequestContext.background(), Headers.of("x-by", "encoder", "x-kept", "encoder"));

        assertThat(events).containsExactly("a in", "b in", "handler", "b out", "a out", "a writes", "b writes");
        assertThat(out.all("x-by")).containsExactly("b");
        assertThat(out.all("x-kept")).containsExactly("encoder");
    }

    @Test
    void forwardedHeadersNeverReplaceADeadlineWhicheverComesFirst() throws Exception {
        RequestContext ctx = RequestContext.withTimeout(Duration.ofMillis(500))
                .with(ForwardedHeaders.ATTRIBUTE, Headers.of(Deadlines.HEADER, "60000", "x-custom", "kept"));

        for (Propagation propagation : List.of(Propagation.of(ForwardedHeaders.propagation(), Deadlines.propagation()),
                Propagation.of(Deadlines.propagation(), ForwardedHeaders.propagation()))) {
            Headers out = propagation.outgoing(ctx, Headers.empty());
            assertThat(out.all(Deadlines.HEADER)).as(propagation.toString()).singleElement()
                    .satisfies(ms -> assertThat(Long.parseLong(ms)).isLessThanOrEqualTo(500));
            assertThat(out.all("x-custom")).containsExactly("kept");
        }
    }

    @Test
    void aPropagationPrintsItsPartsFlattenedInOrder() {
        Propagation composed = Propagation.of(Propagation.of(ForwardedHeaders.propagation(), Propagation.none()),
                Deadlines.propagation(Duration.ofSeconds(1)), Deadlines.propagation());

        assertThat(composed).hasToString("propagation(forwarded-headers, deadline(max PT1S), deadline(from caller))");
        assertThat(composed.parts()).hasSize(3).first().isSameAs(ForwardedHeaders.propagation());
        assertThat(Propagation.none()).hasToString("propagation()");
        assertThat(Propagation.of(Deadlines.propagation())).isSameAs(Deadlines.propagation());
    }

    @Test
    void theServerHalfPrintsAsPartOfTheHandlerChain() {
        Endpoint<HttpRequest, HttpResponse> router = Endpoint.named("router", (ctx, req) -> HttpResponse.json(200, new byte[0]));

        assertThat(GATEWAY.server().wrap(router)).hasToString("forwarded-headers -> deadline(max PT1S) -> router");
    }

    @Test
    void nothingToPropagateSendsTheEncodersHeadersAsTheyAre() {
        Headers encoded = Headers.of("accept", "application/json");

        assertThat(Propagation.none().outgoing(RequestContext.withTimeout(Duration.ofSeconds(1)), encoded)).isSameAs(encoded);
    }

    @Test
    void aDeadlineCapMustBePositive() {
        assertThatThrownBy(() -> Deadlines.propagation(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("max: PT0S (expected: > 0)");
    }

    /** Records its server half around the call, and writes {@code x-by: name} (replacing earlier ones). */
    private static Propagation recording(String name, List<String> events) {
        Middleware<HttpRequest, HttpResponse> server = next -> (ctx, req) -> {
            events.add(name + " in");
            try {
                return next.call(ctx, req);
            } finally {
                events.add(name + " out");
            }
        };
        return Propagation.named(name, server, (ctx, headers) -> {
            events.add(name + " writes");
            headers.set("x-by", name);
        });
    }
}
