package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.NotFoundException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServerTest {
    record ByName(String name) {}
    record Item(int id, String name) {}

    private final AtomicInteger served = new AtomicInteger();
    private final Endpoint<ByName, Item> itemByName = (ctx, req) -> {
        served.incrementAndGet();
        return switch (req.name()) {
            case "item1" -> new Item(1, "item1");
            case "bug" -> throw new IllegalStateException("secret internal detail");
            default -> throw new NotFoundException("item not found.");
        };
    };
    private final HttpServer server = HttpServer.builder(Router.builder()
            .get("/items/{name}", HttpServerTransport.serve(
                    (ctx, req) -> new ByName(req.pathVariable("name")), itemByName, Json.encoder()))
            .build()).host("127.0.0.1").start();

    @AfterEach
    void stop() {
        server.close();
    }

    private String get(String target) throws Exception {
        return RawHttp.exchange(server.port(), RawHttp.get(target));
    }

    @Test
    void servesJson() throws Exception {
        String response = get("/items/item1");
        assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: application/json")
                .endsWith("{\"id\":1,\"name\":\"item1\"}");
    }

    @Test
    void notFoundIsA404WithAJsonBody() throws Exception {
        assertThat(get("/items/nope")).startsWith("HTTP/1.1 404")
                .contains("\"error\":\"not_found\"").contains("\"message\":\"item not found.\"");
    }

    @Test
    void unexpectedErrorsAreA500ThatLeaksNothing() throws Exception {
        String response = get("/items/bug");
        assertThat(response).startsWith("HTTP/1.1 500").contains("internal error")
                .doesNotContain("secret").doesNotContain("IllegalStateException").doesNotContain("at io.");
    }

    @Test
    void hostileRequestsGetA4xxAndNeverReachTheEndpoint() throws Exception {
        int port = server.port();
        assertThat(RawHttp.status(port, RawHttp.get("/items/a%2Fb"))).isEqualTo(400);
        assertThat(RawHttp.status(port, RawHttp.get("/items/.."))).isBetween(400, 404);
        assertThat(RawHttp.status(port, RawHttp.get("/items/%00"))).isEqualTo(400);
        assertThat(RawHttp.status(port, RawHttp.get("/items/" + "x".repeat(64 * 1024)))).isEqualTo(414);
        assertThat(RawHttp.status(port, "GET /items/item1 HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20 * 1024)
                + "\r\nConnection: close\r\n\r\n")).isEqualTo(431);
        assertThat(RawHttp.exchange(port, "GET /items/item1 HTTP/1.1\r\nHost: x\r\nX-Huge: " + "y".repeat(100 * 1024)
                + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 400").contains("\"error\":\"bad_request\"");
        assertThat(RawHttp.status(port, "DELETE /items/item1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isEqualTo(405);
        assertThat(RawHttp.status(port, "GET /items/a\rb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isBetween(400, 499);

        assertThat(served).hasValue(0);
        assertThat(get("/items/item1")).startsWith("HTTP/1.1 200");
    }

    @Test
    void beforeHooksShapeTheContextAndAfterHooksTheResponseEvenForErrors() throws Exception {
        io.javakit.endpoint.Attribute<String> tenant = io.javakit.endpoint.Attribute.of("tenant", String.class);
        Endpoint<ByName, Item> echoTenant = (ctx, req) -> {
            if (req.name().equals("nope")) {
                throw new NotFoundException("item not found.");
            }
            return new Item(1, ctx.get(tenant).orElse("none"));
        };
        HttpServer hooked = HttpServer.builder(Router.builder()
                .get("/items/{name}", HttpServerTransport.builder(
                                (ctx, req) -> new ByName(req.pathVariable("name")), echoTenant, Json.<Item>encoder())
                        .before((ctx, req) -> ctx.with(tenant, ctx.headers().first("x-tenant").orElse("anonymous")))
                        .after((ctx, res) -> res.withHeader("x-served-for", ctx.get(tenant).orElse("?")))
                        .build())
                .build()).host("127.0.0.1").start();
        try {
            String ok = RawHttp.exchange(hooked.port(), "GET /items/a HTTP/1.1\r\nHost: x\r\nX-Tenant: acme\r\nConnection: close\r\n\r\n");
            String missing = RawHttp.exchange(hooked.port(), "GET /items/nope HTTP/1.1\r\nHost: x\r\nX-Tenant: acme\r\nConnection: close\r\n\r\n");

            assertThat(ok).startsWith("HTTP/1.1 200").containsIgnoringCase("x-served-for: acme").endsWith("{\"id\":1,\"name\":\"acme\"}");
            assertThat(missing).startsWith("HTTP/1.1 404").containsIgnoringCase("x-served-for: acme");
        } finally {
            hooked.close();
        }
    }

    @Test
    void anOversizedBodyIsA413() throws Exception {
        HttpServer small = HttpServer.builder(Router.builder()
                .post("/echo", (ctx, req) -> HttpResponse.json(200, req.body())).build())
                .host("127.0.0.1").maxBodyBytes(1024).start();
        try {
            String body = "z".repeat(4096);
            assertThat(RawHttp.status(small.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body)).isEqualTo(413);
        } finally {
            small.close();
        }
    }
}
