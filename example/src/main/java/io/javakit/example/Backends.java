package io.javakit.example;

import io.javakit.endpoint.Endpoint;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Router;

/** One instance of a service: {@code GET /{name}}, logged as {@code server}. */
public final class Backends {
    private Backends() {}

    public static Endpoint<HttpRequest, HttpResponse> users(UserService users, String server, boolean quiet) {
        return Router.builder()
                .get("/{name}", Serve.byName("UserByName", (ctx, req) -> users.userByName(ctx, req.name()), server, quiet))
                .build();
    }

    public static Endpoint<HttpRequest, HttpResponse> products(ProductService products, String server, boolean quiet) {
        return Router.builder()
                .get("/{name}", Serve.byName("ProductByName", (ctx, req) -> products.productByName(ctx, req.name()), server, quiet))
                .build();
    }

    public static HttpServer start(Endpoint<HttpRequest, HttpResponse> handler, String host, int port) {
        return HttpServer.builder(handler).host(host).port(port).start();
    }
}
