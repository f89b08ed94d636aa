package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RequestContext;
import io.javakit.endpoint.UnavailableException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpClientTransportTest {
    record ByName(String name) {}
    record Item(int id, String name) {}

    private final List<String> seenPaths = new CopyOnWriteArrayList<>();
    private final List<Headers> seenHeaders = new CopyOnWriteArrayList<>();
    private final HttpServer backend = HttpServer.builder((ctx, req) -> {
        seenPaths.add(req.path());
        seenHeaders.add(req.headers());
        String last = req.path().substring(req.path().lastIndexOf('/') + 1);
        return switch (last) {
            case "missing" -> ErrorEncoder.body(404, "not_found", "item not found.");
            case "busy" -> ErrorEncoder.body(429, "rate_limited", "slow down");
            case "broken" -> ErrorEncoder.body(500, "internal", "internal error");
            case "invalid" -> ErrorEncoder.body(400, "bad_request", "no such thing");
            case "garbage" -> HttpResponse.json(200, "not json".getBytes());
            default -> HttpResponse.json(200, ("{\"id\":7,\"name\":\"" + last + "\"}").getBytes());
        };
    }).host("127.0.0.1").start();
    private final HttpClient client = HttpClient.ofDefaults();

    @AfterEach
    void stop() {
        backend.close();
    }

    private Endpoint<ByName, Item> itemsAt(String base) {
        return HttpClientTransport.endpoint(client, "GET", URI.create(base),
                (ctx, req) -> OutgoingRequest.path(req.name()), Json.decoder(Item.class));
    }

    private Item call(String name) throws Exception {
        return itemsAt("http://127.0.0.1:" + backend.port() + "/items").call(RequestContext.background(), new ByName(name));
    }

    @Test
    void decodesJsonFromTheInstance() throws Exception {
        assertThat(call("item7")).isEqualTo(new Item(7, "item7"));
        assertThat(seenPaths).containsExactly("/items/item7");
    }

    @Test
    void encodesEachPathSegmentSoAValueCannotChangeThePath() throws Exception {
        call("a/b?c#d");
        assertThat(seenPaths).containsExactly("/items/a%2Fb%3Fc%23d");
        assertThatThrownBy(() -> call("..")).isInstanceOf(BadRequestException.class);
        assertThat(seenPaths).hasSize(1);
    }

    @Test
    void mapsStatusesToTypedErrorsKeepingTheInstancesMessage() {
        assertThatThrownBy(() -> call("missing")).isInstanceOf(NotFoundException.class).hasMessage("item not found.");
        assertThatThrownBy(() -> call("busy")).isInstanceOf(RateLimitedException.class);
        assertThatThrownBy(() -> call("broken")).isInstanceOf(UnavailableException.class);
        assertThatThrownBy(() -> call("invalid")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> call("garbage")).isInstanceOf(UnavailableException.class);
    }

    @Test
    void sendsTheForwardedHeadersOfTheIncomingRequestUpstream() throws Exception {
        HttpRequest incoming = new HttpRequest("GET", "/items/item7", "", Headers.of("host", "gateway.example:8000",
                "accept", "application/json", "x-forwarded-for", "203.0.113.9", "connection", "x-hop", "x-hop", "secret"),
                null, null, "10.0.0.7:51234");
        Endpoint<ByName, Item> forwarding = HttpClientTransport.endpoint(client, "GET",
                URI.create("http://127.0.0.1:" + backend.port() + "/items"),
                (ctx, req) -> new OutgoingRequest(List.of(req.name()), "", ForwardedHeaders.from(incoming), null),
                Json.decoder(Item.class));

        forwarding.call(RequestContext.background(), new ByName("item7"));

        Headers upstream = seenHeaders.getFirst();
        assertThat(upstream.first("x-forwarded-for")).hasValue("203.0.113.9, 10.0.0.7");
        assertThat(upstream.first("x-forwarded-host")).hasValue("gateway.example:8000");
        assertThat(upstream.first("x-forwarded-proto")).hasValue("http");
        assertThat(upstream.first("accept")).hasValue("application/json");
        assertThat(upstream.contains("x-hop")).isFalse();
        assertThat(upstream.first("host")).hasValue("127.0.0.1:" + backend.port());
    }

    @Test
    void neverPassesOnACallersHostFramingOrConnectionHeaders() throws Exception {
        Endpoint<ByName, Item> careless = HttpClientTransport.endpoint(client, "POST",
                URI.create("http://127.0.0.1:" + backend.port() + "/items"),
                (ctx, req) -> new OutgoingRequest(List.of(req.name()), "", Headers.of("host", "evil.example",
                        "content-length", "999", "transfer-encoding", "chunked", "connection", "close",
                        "upgrade", "websocket", "x-request-id", "r-1"), "{}".getBytes()),
                Json.decoder(Item.class));

        assertThat(careless.call(RequestContext.background(), new ByName("item7"))).isEqualTo(new Item(7, "item7"));

        Headers upstream = seenHeaders.getFirst();
        assertThat(upstream.first("host")).hasValue("127.0.0.1:" + backend.port());
        assertThat(upstream.first("content-length")).hasValue("2");
        assertThat(upstream.contains("transfer-encoding")).isFalse();
        assertThat(upstream.contains("upgrade")).isFalse();
        assertThat(upstream.first("x-request-id")).hasValue("r-1");
    }

    @Test
    void aRefusedConnectionIsUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> itemsAt("http://127.0.0.1:" + closedPort).call(RequestContext.background(), new ByName("x")))
                .isInstanceOf(UnavailableException.class);
    }

    @Test
    void aHungInstanceTimesOutAtTheRequestsDeadline() throws Exception {
        try (HungServer hung = new HungServer()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> itemsAt("http://127.0.0.1:" + hung.port())
                    .call(RequestContext.withTimeout(Duration.ofMillis(300)), new ByName("x")))
                    .isInstanceOf(DeadlineExceededException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }
}
