package io.javakit.bench.engines;

import static io.javakit.bench.engines.Main.BACKENDS;
import static io.javakit.bench.engines.Main.HELLO;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;
import java.util.concurrent.atomic.AtomicInteger;

/** Helidon SE 4: WebServer (a virtual thread per request) + blocking WebClient (pooled HTTP/1.1 keep-alive). */
final class HelidonEngine {
    static final HeaderName X_BACKEND = HeaderNames.create("X-Backend");
    static final AtomicInteger NEXT = new AtomicInteger();
    static final WebClient CLIENT = WebClient.builder().build(); // keep-alive cache: 256 idle connections per host

    static void main(String[] args) {
        WebServer.builder()
                .host("127.0.0.1")
                .port(8000)
                .routing(r -> r
                        .get("/products/{name}", (req, res) -> {
                            String name = req.path().pathParameters().get("name");
                            String backend = BACKENDS[Math.floorMod(NEXT.getAndIncrement(), BACKENDS.length)];
                            var upstream = CLIENT.get(backend + name).request(byte[].class);
                            res.status(Status.create(upstream.status().code()))
                                    .header(HeaderValues.CONTENT_TYPE_JSON)
                                    .header(upstream.headers().get(X_BACKEND))
                                    .send(upstream.entity());
                        })
                        .get("/hello", (req, res) -> res.header(HeaderValues.CONTENT_TYPE_JSON).send(HELLO)))
                .build()
                .start();
    }
}
