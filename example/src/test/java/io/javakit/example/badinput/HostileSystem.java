package io.javakit.example.badinput;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.example.Backends;
import io.javakit.example.Gateway;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The seed's system on loopback, for attacking: three user and three product instances, each recording every
 * request it receives, behind a gateway (no rate limit, quiet); and one more user instance exposed directly.
 */
final class HostileSystem implements AutoCloseable {

    /** A request as a gateway's instance received it: the raw path, the raw query and the headers. */
    record Received(String method, String path, String query, Headers headers) {
        /** The trace id of the request's {@code traceparent}, which is how a request is matched to its attack. */
        Optional<String> traceId() {
            return headers.first("traceparent").filter(t -> t.length() >= 35).map(t -> t.substring(3, 35));
        }
    }

    /** What the gateway's instances received, in arrival order. */
    final List<Received> behindGateway = new CopyOnWriteArrayList<>();
    private final List<HttpServer> instances = new ArrayList<>();
    private final HttpServer exposed;
    private final Gateway gateway;

    HostileSystem() {
        List<Instance> users = new ArrayList<>();
        List<Instance> products = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            users.add(recording(Backends.users(UserService.inMemory(), "user-" + i, true, () -> true)));
            products.add(recording(Backends.products(ProductService.inMemory(), "product-" + i, true, () -> true)));
        }
        exposed = Backends.start(Backends.users(UserService.inMemory(), "user-exposed", true, () -> true), "127.0.0.1", 0);
        Gateway.Settings seed = Gateway.Settings.seed();
        gateway = new Gateway(new FixedInstancer(users), new FixedInstancer(products), new Gateway.Settings(seed.deadline(),
                seed.maxConcurrentRequests(), seed.healthChecks(), true, java.time.Duration.ZERO, (service, b) -> { }), new SimpleMeterRegistry(),
                "127.0.0.1", 0);
    }

    /** Starts an instance that records each request before serving it. */
    private Instance recording(Endpoint<HttpRequest, HttpResponse> service) {
        HttpServer server = Backends.start((ctx, req) -> {
            behindGateway.add(new Received(req.method(), req.path(), req.query(), req.headers()));
            return service.call(ctx, req);
        }, "127.0.0.1", 0);
        instances.add(server);
        return new Instance("127.0.0.1", server.port());
    }

    int gatewayPort() {
        return gateway.port();
    }

    int exposedPort() {
        return exposed.port();
    }

    /** {@code host:port} of every instance behind the gateway, in the forms an error message could leak them. */
    List<String> backendAddresses() {
        return instances.stream().flatMap(s -> Stream.of("127.0.0.1:" + s.port(), "localhost:" + s.port())).toList();
    }

    boolean instancesRunning() {
        return exposed.isRunning() && instances.stream().allMatch(HttpServer::isRunning);
    }

    @Override
    public void close() {
        gateway.close();
        instances.forEach(HttpServer::close);
        exposed.close();
    }
}
