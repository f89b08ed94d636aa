package io.javakit.example;

import io.javakit.endpoint.Endpoint;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Router;
import io.javakit.sd.Instance;
import io.javakit.sd.Registrar;
import io.javakit.tracing.Tracing;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;

/** One instance of a service: {@code GET /{name}}, logged as {@code server}. */
public final class Backends {
    private Backends() {}

    public static Endpoint<HttpRequest, HttpResponse> users(UserService users, String server, boolean quiet) {
        return withHealth(Router.builder())
                .get("/{name}", Serve.byName("UserByName", (ctx, req) -> users.userByName(ctx, req.name()), server, quiet))
                .build();
    }

    public static Endpoint<HttpRequest, HttpResponse> products(ProductService products, String server, boolean quiet) {
        return withHealth(Router.builder())
                .get("/{name}", Serve.byName("ProductByName", (ctx, req) -> products.productByName(ctx, req.name()), server, quiet))
                .build();
    }

    /** {@code /health/live} and {@code /health/ready}: an instance that answers them is listening and serving. */
    private static Router.Builder withHealth(Router.Builder router) {
        Endpoint<HttpRequest, HttpResponse> up = (ctx, req) -> HttpResponse.json(200, "{\"status\":\"up\"}".getBytes(StandardCharsets.UTF_8));
        return router.get("/health/live", up).get("/health/ready", up);
    }

    /** How long a deregistered instance keeps serving, so that every gateway has seen it go before it stops accepting. */
    public static final Duration DEREGISTRATION_GRACE = Duration.ofSeconds(1);

    /** Serves {@code handler}, continuing the callers' traces ({@code traceparent}). */
    public static HttpServer start(Endpoint<HttpRequest, HttpResponse> handler, String host, int port) {
        return HttpServer.builder(Tracing.extract().wrap(handler)).host(host).port(port).start();
    }

    /**
     * Serves {@code handler} and, with a registrar, registers once the server accepts requests. Closing it
     * deregisters, keeps serving for {@link #DEREGISTRATION_GRACE} while gateways drop the instance, then stops
     * accepting and drains the requests in flight: a graceful exit no caller notices.
     */
    public static AutoCloseable serve(Endpoint<HttpRequest, HttpResponse> handler, String host, int port, Optional<Registrar> registrar) {
        return announce(start(handler, host, port), registrar);
    }

    /** Registers a started server (see {@link #serve}); closing the result deregisters, waits, and closes it. */
    public static AutoCloseable announce(HttpServer server, Optional<Registrar> registrar) {
        registrar.ifPresent(Registrar::register);
        return () -> {
            if (registrar.isPresent()) {
                registrar.get().deregister();
                Thread.sleep(DEREGISTRATION_GRACE);
            }
            server.close();
        };
    }

    /** The address to register when none is given: the bound one, or this host's address when bound to all. */
    public static String advertised(String host, int port) throws UnknownHostException {
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? InetAddress.getLocalHost().getHostAddress() : host;
        return new Instance(reachable, port).address();
    }
}
