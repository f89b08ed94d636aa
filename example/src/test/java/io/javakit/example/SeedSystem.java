package io.javakit.example;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * The seed's system on loopback for tests: three user and three product instances, each on a free port and each
 * recording the paths it was asked for, and a gateway in front. Instances can be stopped and restarted on their port.
 */
final class SeedSystem implements AutoCloseable {

    /** One service instance that records every path and header set it receives, and takes injected faults. */
    static final class Backend implements AutoCloseable {
        final int port = freePort();
        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<Headers> headers = new CopyOnWriteArrayList<>();
        final FaultInjection faults = new FaultInjection();
        private final Endpoint<HttpRequest, HttpResponse> handler;
        private HttpServer server;

        Backend(Endpoint<HttpRequest, HttpResponse> service) {
            Endpoint<HttpRequest, HttpResponse> faulty = faults.middleware().wrap(service);
            this.handler = (ctx, req) -> {
                paths.add(req.path());
                headers.add(req.headers());
                return faulty.call(ctx, req);
            };
            start();
        }

        void start() {
            server = Backends.start(handler, "127.0.0.1", port);
        }

        void stop() {
            server.close();
        }

        Instance instance() {
            return new Instance("127.0.0.1", port);
        }

        @Override
        public void close() {
            stop();
        }
    }

    final List<Backend> users = new ArrayList<>();
    final List<Backend> products = new ArrayList<>();
    Gateway.Settings settings;
    Gateway gateway;
    private final HttpClient client = HttpClient.newHttpClient();

    /**
     * Starts the system; {@code tune} adjusts the gateway's settings (its instances are already filled in). Unless
     * it picks balancers, both services are balanced round robin, as in the seed.
     */
    SeedSystem(UnaryOperator<Gateway.Settings> tune) {
        for (int i = 0; i < 3; i++) {
            users.add(new Backend(Backends.users(UserService.inMemory(), "user-" + i, true)));
            products.add(new Backend(Backends.products(ProductService.inMemory(), "product-" + i, true)));
        }
        Gateway.Settings tuned = tune.apply(Gateway.Settings.defaults(
                new FixedInstancer(users.stream().map(Backend::instance).toList()),
                new FixedInstancer(products.stream().map(Backend::instance).toList())));
        settings = seedBalancing(tuned);
        gateway = Gateway.start(settings, "127.0.0.1", 0);
    }

    SeedSystem() {
        this(UnaryOperator.identity());
    }

    /** The seed balanced round robin; a test that wants another balancer says so. */
    private static Gateway.Settings seedBalancing(Gateway.Settings settings) {
        return settings.resilience().balancing().isEmpty() ? settings.withResilience(settings.resilience()
                .withBalancing("users", Gateway.Balancing.ROUND_ROBIN).withBalancing("products", Gateway.Balancing.ROUND_ROBIN))
                : settings;
    }

    /** Replaces the gateway with one of other settings, e.g. other instances (round robin unless they say). */
    void restartGateway(Gateway.Settings newSettings) {
        gateway.close();
        settings = seedBalancing(newSettings);
        gateway = Gateway.start(settings, "127.0.0.1", 0);
    }

    /** GET on the gateway with a well-behaved client. */
    java.net.http.HttpResponse<String> get(String path) {
        try {
            return client.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build(),
                    BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        gateway.close();
        users.forEach(Backend::close);
        products.forEach(Backend::close);
    }
}
