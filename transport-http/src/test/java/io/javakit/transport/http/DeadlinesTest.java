package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.RequestContext;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
    /** What the handler saw of its deadline; {@code null} when it had none. */
    private final AtomicReference<Duration> seen = new AtomicReference<>();
    private final Endpoint<HttpRequest, HttpResponse> recording = (ctx, req) -> {
        seen.set(ctx.remaining().orElse(null));
        return HttpResponse.json(200, "{}".getBytes());
    };
    private final HttpClient client = HttpClient.ofDefaults();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse get(Headers headers) throws Exception {
        return client.send("GET", URI.create("http://127.0.0.1:" + server.port() + "/x"), headers, new byte[0], Duration.ofSeconds(5));
    }

    @Test
    void aServerCapsEveryRequestAndNarrowsToWhatTheCallerHasLeft() throws Exception {
        server = HttpServer.builder(recording).propagation(Deadlines.propagation(Duration.ofSeconds(1))).host("127.0.0.1").start();

        assertThat(get(Headers.empty()).status()).isEqualTo(200);
        assertThat(seen.get()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1)).isGreaterThan(Duration.ofMillis(500));

        assertThat(get(Headers.of(Deadlines.HEADER, "150")).status()).isEqualTo(200);
        assertThat(seen.get()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(150));

        assertThat(get(Headers.of(Deadlines.HEADER, "60000")).status()).isEqualTo(200);
        assertThat(seen.get()).as("a caller cannot widen the server's cap").isLessThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aCallerWhoseTimeIsUpGetsA504WithoutAnyWorkDone() throws Exception {
        server = HttpServer.builder(recording).propagation(Deadlines.propagation()).host("127.0.0.1").start();

        HttpResponse response = get(Headers.of(Deadlines.HEADER, "0"));

        assertThat(response.status()).isEqualTo(504);
        assertThat(response.bodyText()).contains("\"error\":\"deadline_exceeded\"");
        assertThat(seen.get()).isNull();
    }

    @Test
    void anUnreadableDeadlineIsA400NamingTheHeader() throws Exception {
        server = HttpServer.builder(recording).propagation(Deadlines.propagation()).host("127.0.0.1").start();

        for (String bad : new String[] {"soon", "-5", "1.5", "9999999999999999999"}) {
            HttpResponse response = get(Headers.of(Deadlines.HEADER, bad));
            assertThat(response.status()).as(bad).isEqualTo(400);
            assertThat(response.bodyText()).contains(Deadlines.HEADER);
        }
    }

    @Test
    void withoutTheHeaderFromCallerLeavesTheRequestWithoutADeadline() throws Exception {
        server = HttpServer.builder(recording).propagation(Deadlines.propagation()).host("127.0.0.1").start();
        seen.set(Duration.ofDays(1));

        assertThat(get(Headers.empty()).status()).isEqualTo(200);
        assertThat(seen.get()).isNull();
    }

    @Test
    void aClientPassesTheRestOfItsDeadlineToTheNextHop() throws Exception {
        server = HttpServer.builder(recording).propagation(Deadlines.propagation()).host("127.0.0.1").start();
        HttpClient propagating = HttpClient.builder().propagation(Deadlines.propagation()).build();
        Endpoint<String, String> call = HttpClientTransport.endpoint(propagating, "GET", URI.create("http://127.0.0.1:" + server.port()),
                (ctx, name) -> OutgoingRequest.path(name), (ctx, res) -> res.bodyText());

        call.call(RequestContext.withTimeout(Duration.ofMillis(300)), "x");

        assertThat(seen.get()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void anEncoderWrappedForOneEndpointPassesTheDeadlineOnToo() throws Exception {
        server = HttpServer.builder(recording).propagation(Deadlines.propagation()).host("127.0.0.1").start();
        Endpoint<String, String> call = HttpClientTransport.endpoint(client, "GET", URI.create("http://127.0.0.1:" + server.port()),
                Deadlines.propagate((ctx, name) -> OutgoingRequest.path(name)), (ctx, res) -> res.bodyText());

        call.call(RequestContext.withTimeout(Duration.ofMillis(300)), "x");

        assertThat(seen.get()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aClientWithoutPropagationSendsNoDeadline() throws Exception {
        server = HttpServer.builder(recording).propagation(Deadlines.propagation()).host("127.0.0.1").start();
        seen.set(Duration.ofDays(1));
        Endpoint<String, String> call = HttpClientTransport.endpoint(client, "GET", URI.create("http://127.0.0.1:" + server.port()),
                (ctx, name) -> OutgoingRequest.path(name), (ctx, res) -> res.bodyText());

        call.call(RequestContext.withTimeout(Duration.ofMillis(300)), "x");

        assertThat(seen.get()).isNull();
    }

    @Test
    void propagatingRefusesToSendWhenTheDeadlineHasPassed() {
        RequestEncoder<String> encoder = Deadlines.propagate((ctx, name) -> OutgoingRequest.path(name));
        RequestContext expired = RequestContext.withTimeout(Duration.ZERO);

        assertThatThrownBy(() -> encoder.encode(expired, "x")).isInstanceOf(DeadlineExceededException.class);
    }

    @Test
    void enforceStopsWorkWhoseDeadlineHasPassed() throws Exception {
        Endpoint<String, String> guarded = Deadlines.<String, String>enforce().wrap((ctx, req) -> "done " + req);

        assertThat(guarded.call(RequestContext.withTimeout(Duration.ofSeconds(1)), "a")).isEqualTo("done a");
        assertThatThrownBy(() -> guarded.call(RequestContext.withTimeout(Duration.ZERO), "b"))
                .isInstanceOf(DeadlineExceededException.class);
    }
}
