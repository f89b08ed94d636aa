package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.endpoint.Headers;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

    private static Headers forwardedFrom(String remoteAddress, String... headers) {
        return ForwardedHeaders.from(new HttpRequest("GET", "/users/a", "", Headers.of(headers), null, null, remoteAddress));
    }

    private static Headers forwarded(String... headers) {
        return forwardedFrom("10.0.0.7:51234", headers);
    }

    @Test
    void copiesEndToEndHeaders() {
        Headers out = forwarded("host", "gw", "accept", "application/json", "authorization", "Bearer t",
                "cookie", "a=1", "traceparent", "00-abc-def-01");

        assertThat(out.first("accept")).hasValue("application/json");
        assertThat(out.first("authorization")).hasValue("Bearer t");
        assertThat(out.first("cookie")).hasValue("a=1");
        assertThat(out.first("traceparent")).hasValue("00-abc-def-01");
    }

    @Test
    void dropsEveryHopByHopHeader() {
        Headers out = forwarded("host", "gw", "connection", "keep-alive", "keep-alive", "timeout=5",
                "proxy-authenticate", "Basic", "proxy-authorization", "Basic abc", "proxy-connection", "keep-alive",
                "te", "trailers", "trailer", "x-checksum", "transfer-encoding", "chunked", "upgrade", "websocket");

        for (String hop : new String[] {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
            "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}) {
            assertThat(out.contains(hop)).as(hop).isFalse();
        }
    }

    @Test
    void dropsTheHeadersThatConnectionNames() {
        Headers out = forwarded("host", "gw", "connection", "close, X-Hop-One", "connection", " x-hop-two ",
                "x-hop-one", "1", "X-Hop-Two", "2", "x-kept", "3");

        assertThat(out.contains("x-hop-one")).isFalse();
        assertThat(out.contains("x-hop-two")).isFalse();
        assertThat(out.first("x-kept")).hasValue("3");
    }

    @Test
    void neverCopiesHostOrContentLength() {
        Headers out = forwarded("host", "gw", "content-length", "42");

        assertThat(out.contains("host")).isFalse();
        assertThat(out.contains("content-length")).isFalse();
    }

    @Test
    void xForwardedForIsTheClientIpWhenItIsTheFirstHop() {
        assertThat(forwarded("host", "gw").first("x-forwarded-for")).hasValue("10.0.0.7");
    }

    @Test
    void xForwardedForAppendsTheClientIpToEveryIncomingHop() {
        Headers out = forwarded("host", "gw", "x-forwarded-for", "203.0.113.9, 198.51.100.2",
                "x-forwarded-for", "192.0.2.1");

        assertThat(out.all("x-forwarded-for")).containsExactly("203.0.113.9, 198.51.100.2, 192.0.2.1, 10.0.0.7");
    }

    @Test
    void anIpv6ClientIsNamedWithoutBracketsPortOrZone() {
        assertThat(forwardedFrom("[0:0:0:0:0:0:0:1]:51234", "host", "gw").first("x-forwarded-for"))
                .hasValue("0:0:0:0:0:0:0:1");
        assertThat(forwardedFrom("[2001:db8:0:0:0:0:0:7]:443", "host", "gw").first("x-forwarded-for"))
                .hasValue("2001:db8:0:0:0:0:0:7");
        assertThat(forwardedFrom("fe80:0:0:0:0:0:0:1%eth0:51234", "host", "gw").first("x-forwarded-for"))
                .hasValue("fe80:0:0:0:0:0:0:1");
    }

    @Test
    void anUnknownPeerAddsNothingToXForwardedFor() {
        assertThat(forwardedFrom("", "host", "gw", "x-forwarded-for", "203.0.113.9").first("x-forwarded-for"))
                .hasValue("203.0.113.9");
        assertThat(forwardedFrom("", "host", "gw").contains("x-forwarded-for")).isFalse();
    }

    @Test
    void xForwardedProtoIsTheSchemeServedReplacingAnyIncomingClaim() {
        assertThat(forwarded("host", "gw", "x-forwarded-proto", "https").all("x-forwarded-proto")).containsExactly("http");
    }

    @Test
    void xForwardedHostIsTheIncomingHostReplacingAnyIncomingClaim() {
        Headers out = forwarded("host", "shop.example:8000", "x-forwarded-host", "spoofed.example");

        assertThat(out.all("x-forwarded-host")).containsExactly("shop.example:8000");
    }

    @Test
    void aGatewayCapturesOnTheServerAndForwardsOnTheClientOverRealHops() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Headers> upstreamSaw = new java.util.concurrent.atomic.AtomicReference<>();
        try (HttpServer upstream = HttpServer.builder((ctx, req) -> {
                    upstreamSaw.set(req.headers());
                    return HttpResponse.json(200, "{}".getBytes());
                }).host("127.0.0.1").start()) {
            HttpClient client = HttpClient.ofDefaults();
            io.javakit.endpoint.Endpoint<String, String> callUpstream = HttpClientTransport.endpoint(client, "GET",
                    java.net.URI.create("http://127.0.0.1:" + upstream.port()),
                    ForwardedHeaders.forward(Deadlines.propagate((ctx, name) -> OutgoingRequest.path(name))), (ctx, res) -> res.bodyText());
            try (HttpServer gateway = HttpServer.builder(ForwardedHeaders.capture().wrap((ctx, req) -> HttpResponse.json(200,
                    callUpstream.call(ctx.narrowTimeout(java.time.Duration.ofMillis(500)), "x").getBytes()))).host("127.0.0.1").start()) {
                HttpResponse response = client.send("GET", java.net.URI.create("http://127.0.0.1:" + gateway.port() + "/x"),
                        Headers.of("X-Custom", "kept", "Connection", "X-Secret", "X-Secret", "hop", "Proxy-Authorization", "Basic a",
                                Deadlines.HEADER, "60000"),
                        new byte[0], java.time.Duration.ofSeconds(5));

                assertThat(response.status()).isEqualTo(200);
                Headers seen = upstreamSaw.get();
                assertThat(seen.first("x-custom")).hasValue("kept");
                assertThat(seen.first(ForwardedHeaders.X_FORWARDED_FOR)).hasValue("127.0.0.1");
                assertThat(seen.first(ForwardedHeaders.X_FORWARDED_PROTO)).hasValue("http");
                assertThat(seen.contains("x-secret")).isFalse();
                assertThat(seen.contains("proxy-authorization")).isFalse();
                assertThat(seen.all(Deadlines.HEADER)).as("the gateway's own deadline, once").singleElement()
                        .satisfies(ms -> assertThat(Long.parseLong(ms)).isLessThanOrEqualTo(500));
            }
        }
    }
}
