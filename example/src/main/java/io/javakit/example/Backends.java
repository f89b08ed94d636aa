package io.javakit.example;

import io.javakit.endpoint.Endpoint;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.transport.http.Deadlines;
import io.javakit.transport.http.Health;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Propagation;
import io.javakit.transport.http.Router;
import io.javakit.sd.Instance;
import io.javakit.tracing.Tracing;
import java.net.InetAddress;
import java.util.Optional;
import java.net.UnknownHostException;
import java.util.function.BooleanSupplier;

/** One instance of a service: {@code GET /{name}}, logged as {@code server}, with its health routes. */
public final class Backends {
    private Backends() {}

    public static Endpoint<HttpRequest, HttpResponse> users(UserService users, String server, boolean quiet, BooleanSupplier ready) {
        return instance("UserByName", (ctx, req) -> users.userByName(ctx, req.name()), server, quiet, ready);
    }

    public static Endpoint<HttpRequest, HttpResponse> products(ProductService products, String server, boolean quiet, BooleanSupplier ready) {
        return instance("ProductByName", (ctx, req) -> products.productByName(ctx, req.name()), server, quiet, ready);
    }

    /**
     * {@code GET /{name}} answered by {@code lookup}, plus {@code /health/live} (listening) and {@code /health/ready}
     * ({@code ready}: registered and not yet deregistering).
     */
    private static <T> Endpoint<HttpRequest, HttpResponse> instance(String method, Endpoint<ByName, T> lookup, String server,
                                                                   boolean quiet, BooleanSupplier ready) {
        return Router.builder()
                .mount(Health.PATH, Health.routes(() -> ready.getAsBoolean() ? Optional.empty() : Optional.of("not registered, or deregistering")))
                .get("/{name}", Serve.byName(method, lookup, server, quiet))
                .build();
    }

    /**
     * Serves {@code handler}, continuing the callers' traces ({@code traceparent}) and keeping to their deadlines
     * ({@link Deadlines#HEADER}): work for a caller that has given up stops.
     */
    public static HttpServer start(Endpoint<HttpRequest, HttpResponse> handler, String host, int port) {
        return HttpServer.builder(handler).propagation(Propagation.of(Tracing.propagation(), Deadlines.propagation()))
                .host(host).port(port).start();
    }

    /** The address to register when none is given: the bound one, or this host's address when bound to all. */
    public static String advertised(String host, int port) throws UnknownHostException {
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? InetAddress.getLocalHost().getHostAddress() : host;
        return new Instance(reachable, port).address();
    }
}
