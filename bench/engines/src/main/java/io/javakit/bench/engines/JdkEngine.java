package io.javakit.bench.engines;

import static io.javakit.bench.engines.Main.BACKENDS;
import static io.javakit.bench.engines.Main.HELLO;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** JDK only: com.sun.net.httpserver on virtual threads + java.net.http.HttpClient (blocking send). */
final class JdkEngine {
    static final AtomicInteger NEXT = new AtomicInteger();
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()) // default cached pool costs ~1.5x CPU/hop
            .build();

    static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 8000), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/products/", ex -> {
            String name = ex.getRequestURI().getPath().substring("/products/".length());
            String backend = BACKENDS[Math.floorMod(NEXT.getAndIncrement(), BACKENDS.length)];
            try {
                var res = CLIENT.send(HttpRequest.newBuilder(URI.create(backend + name)).build(),
                        BodyHandlers.ofByteArray());
                res.headers().firstValue("X-Backend").ifPresent(v -> ex.getResponseHeaders().set("X-Backend", v));
                respond(ex, res.statusCode(), res.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                respond(ex, 502, new byte[0]);
            }
        });
        server.createContext("/hello", ex -> respond(ex, 200, HELLO));
        server.start();
    }

    static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
