package io.javakit.example;

import io.javakit.example.products.Product;
import io.javakit.example.users.User;
import io.javakit.resilience.RateLimiters;
import io.javakit.sd.Instancer;
import io.javakit.sd.Lifecycle;
import io.javakit.tracing.Tracing;
import io.javakit.transport.http.Deadlines;
import io.javakit.transport.http.ForwardedHeaders;
import io.javakit.transport.http.HttpClient;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Json;
import io.javakit.transport.http.OutgoingRequest;
import io.javakit.transport.http.Propagation;
import io.javakit.transport.http.Router;
import io.javakit.upstream.HttpUpstreams;
import io.javakit.upstream.Upstream;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/** The seed's API gateway: {@code GET /users/{name}} and {@code /products/{name}}, each answered by an {@link Upstream}. */
public final class Gateway implements AutoCloseable {
    /** The gateway's settings; {@code tuning} sets the rest of each upstream, by service name. Zero {@code healthChecks}: no probes. */
    public record Settings(Duration deadline, int maxConcurrentRequests, Duration healthChecks, boolean quiet, Duration grace,
                           BiConsumer<String, Upstream.Builder<?, ?>> tuning) {
        /** The seed's: 1 s, 1000 requests at once, no probes, every call logged, 1 s grace, 100 requests/s per instance. */
        public static Settings seed() {
            return new Settings(Duration.ofSeconds(1), HttpServer.DEFAULT_MAX_CONCURRENT_REQUESTS, Duration.ZERO, false, Lifecycle.DEFAULT_GRACE,
                    (service, b) -> b.rateLimit(RateLimiters.DEFAULT_REQUESTS_PER_SECOND, Duration.ZERO));
        }
    }

    private final Upstream<ByName, User> users;
    private final Upstream<ByName, Product> products;
    private final HttpServer server;
    private final Lifecycle lifecycle;

    /** Serves the gateway on {@code host:port}, measured into {@code metrics}, until closed. */
    public Gateway(Instancer userInstances, Instancer productInstances, Settings settings, MeterRegistry metrics, String host, int port) {
        // what the gateway reads from its callers and passes on upstream: registered once, on its server and its client
        Propagation propagation = Propagation.of(Tracing.propagation(), ForwardedHeaders.propagation(), Deadlines.propagation(settings.deadline()));
        HttpClient client = HttpClient.builder().propagation(propagation).build();
        users = upstream("users", "UserByName", userInstances, client, User.class, settings, metrics);
        products = upstream("products", "ProductByName", productInstances, client, Product.class, settings, metrics);
        String self = "localhost:" + port;
        server = HttpServer.builder(Router.builder()
                        .get("/users/{name}", Serve.byName("UserByName", users, self, settings.quiet(), HttpUpstreams.callerErrors(users)))
                        .get("/products/{name}", Serve.byName("ProductByName", products, self, settings.quiet(), HttpUpstreams.callerErrors(products)))
                        .build())
                .propagation(propagation).forwardingProxy().maxConcurrentRequests(settings.maxConcurrentRequests()).host(host).port(port).start();
        lifecycle = Lifecycle.builder().grace(settings.grace()).build().started(server, users, products);
    }

    private static <T> Upstream<ByName, T> upstream(String service, String method, Instancer instancer, HttpClient client, Class<T> type,
                                                   Settings settings, MeterRegistry metrics) {
        Upstream.Builder<ByName, T> builder = Upstream.builder(service, instancer,
                        HttpUpstreams.<ByName, T>transport(client, "GET", (ctx, req) -> OutgoingRequest.path(req.name()), Json.decoder(type)))
                .operation(method).idempotent(true).deadline(settings.deadline()).meterRegistry(metrics).tracer(Serve.tracer(), "GET /{name}");
        if (settings.healthChecks().isPositive()) {
            builder.healthChecks(HttpUpstreams.readiness(client), settings.healthChecks());
        }
        settings.tuning().accept(service, builder);
        return builder.build();
    }

    public List<Upstream<?, ?>> upstreams() {
        return List.of(users, products);
    }

    /** Why the gateway wants no traffic now, if it does not: it is closing, or a service has no instances. */
    public Optional<String> notReadyBecause() {
        return !lifecycle.isReady() ? Optional.of("shutting down")
                : upstreams().stream().filter(u -> u.view().instances().isEmpty()).map(u -> "no instances of " + u.service()).findFirst();
    }

    public int port() {
        return server.port();
    }

    /** Reports not ready, serves on for the grace while load balancers notice, then drains and closes. */
    @Override
    public void close() {
        lifecycle.close();
    }
}
