package io.javakit.example;

import io.javakit.console.FaultInjection;
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
import java.util.function.BiConsumer;
import io.javakit.sd.Instancer;
import io.javakit.upstream.Upstream;
import io.javakit.upstream.UpstreamView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

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

        HttpServer server() {
            return server;
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
    Gateway gateway;
    private final HttpClient client = HttpClient.newHttpClient();

    /** The gateway's own defaults (P2C, 100 requests/s per instance, ejection), quiet and without a drain grace. */
    static Gateway.Settings defaults() {
        Gateway.Settings seed = Gateway.Settings.seed();
        return new Gateway.Settings(seed.deadline(), seed.maxConcurrentRequests(), seed.healthChecks(), true, Duration.ZERO, seed.tuning());
    }

    /** {@link #defaults()}, each upstream then tuned by {@code tuning} too. */
    static Gateway.Settings tuned(BiConsumer<String, Upstream.Builder<?, ?>> tuning) {
        return with(defaults(), tuning);
    }

    /** {@code settings}, each upstream then tuned by {@code tuning} too. */
    static Gateway.Settings with(Gateway.Settings settings, BiConsumer<String, Upstream.Builder<?, ?>> tuning) {
        return new Gateway.Settings(settings.deadline(), settings.maxConcurrentRequests(), settings.healthChecks(), settings.quiet(),
                settings.grace(), settings.tuning().andThen(tuning));
    }

    /** {@link #defaults()} without the 100 requests/s limiter, for closed-loop load that would exceed it. */
    static Gateway.Settings unlimited() {
        return tuned((service, b) -> b.rateLimit(0, Duration.ZERO));
    }

    /** {@link #defaults()} with another deadline. */
    static Gateway.Settings deadline(Duration deadline) {
        Gateway.Settings d = defaults();
        return new Gateway.Settings(deadline, d.maxConcurrentRequests(), d.healthChecks(), true, Duration.ZERO, d.tuning());
    }

    /** Both services balanced round robin, as in the seed, for tests that count calls per instance. */
    static final BiConsumer<String, Upstream.Builder<?, ?>> ROUND_ROBIN = (service, b) -> b.balancing(Upstream.Balancing.ROUND_ROBIN);

    /** Starts the system with a gateway of {@code settings} in front of it. */
    SeedSystem(Gateway.Settings settings) {
        for (int i = 0; i < 3; i++) {
            users.add(new Backend(Backends.users(UserService.inMemory(), "user-" + i, true, () -> true)));
            products.add(new Backend(Backends.products(ProductService.inMemory(), "product-" + i, true, () -> true)));
        }
        gateway = new Gateway(fixed(users), fixed(products), settings, new SimpleMeterRegistry(), "127.0.0.1", 0);
    }

    /** Starts the system with the gateway's defaults. */
    SeedSystem() {
        this(defaults());
    }

    static Instancer fixed(List<Backend> backends) {
        return new FixedInstancer(backends.stream().map(Backend::instance).toList());
    }

    /** Replaces the gateway with one over other instances or of other settings. */
    void restartGateway(Instancer users, Instancer products, Gateway.Settings settings) {
        restartGateway(users, products, settings, new SimpleMeterRegistry());
    }

    void restartGateway(Instancer users, Instancer products, Gateway.Settings settings, MeterRegistry metrics) {
        gateway.close();
        gateway = new Gateway(users, products, settings, metrics, "127.0.0.1", 0);
    }

    /** The gateway's view of {@code service}'s upstream. */
    UpstreamView view(String service) {
        return gateway.upstreams().stream().filter(u -> u.service().equals(service)).findFirst().orElseThrow().view();
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
