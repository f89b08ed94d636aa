package io.javakit.example;

import io.javakit.console.Console;
import io.javakit.console.ConsoleModel;
import io.javakit.console.UpstreamConsole;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.metrics.Metrics;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import io.javakit.example.products.Product;
import io.javakit.example.users.User;
import io.javakit.resilience.RateLimiters;
import io.javakit.sd.HealthCheckedInstancer;
import io.javakit.sd.Instancer;
import io.javakit.sd.Lifecycle;
import io.javakit.tracing.Tracing;
import io.javakit.transport.http.Deadlines;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.ForwardedHeaders;
import io.javakit.transport.http.HttpClient;
import io.javakit.transport.http.HttpClientTransport;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Json;
import io.javakit.transport.http.OutgoingRequest;
import io.javakit.transport.http.Propagation;
import io.javakit.transport.http.Router;
import io.javakit.upstream.Upstream;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The seed's API gateway: {@code GET /users/{name}} and {@code GET /products/{name}}, each answered by an
 * {@link Upstream} over the service's instances (bound, limiter, breaker, ejection, balancing, retry, metrics and
 * tracing; see its Javadoc for the nesting), within a deadline that travels on to the instances.
 */
public final class Gateway implements AutoCloseable {
    /** Room left under the instances' header limits for what the gateway adds, so nothing it accepts is refused behind it. */
    private static final int HEADROOM_HEADERS = 16;
    private static final int HEADROOM_BYTES = 2 * 1024;

    /**
     * @param deadline what each request may take in all; callers may ask for less in {@link Deadlines#HEADER}
     * @param maxConcurrentRequests requests served at once; more are answered 503 at once
     * @param healthChecks how often to probe each instance's {@code /health/ready}; zero for never
     * @param grace how long a closing gateway serves on while reporting not ready
     * @param tuning the rest of each upstream's settings, by service name ({@code users}, {@code products})
     */
    public record Settings(Duration deadline, int maxConcurrentRequests, Duration healthChecks, boolean quiet, Duration grace,
                           BiConsumer<String, Upstream.Builder<?, ?>> tuning) {
        /** The seed's: 1 s, 1000 at once, no probes, every call logged, 1 s grace, 100 requests/s per instance. */
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
        // what the gateway reads from its callers and passes on upstream, on its server and its client alike
        Propagation propagation = Propagation.of(Tracing.propagation(), ForwardedHeaders.propagation(), Deadlines.propagation(settings.deadline()));
        HttpClient client = HttpClient.builder().propagation(propagation).build();
        users = upstream("users", "UserByName", userInstances, client, User.class, settings, metrics);
        products = upstream("products", "ProductByName", productInstances, client, Product.class, settings, metrics);
        String self = "localhost:" + port;
        server = HttpServer.builder(Router.builder()
                        .get("/users/{name}", Serve.byName("UserByName", users, self, settings.quiet(), callerErrors(users)))
                        .get("/products/{name}", Serve.byName("ProductByName", products, self, settings.quiet(), callerErrors(products)))
                        .build())
                .propagation(propagation).maxConcurrentRequests(settings.maxConcurrentRequests())
                .maxHeaderCount(HttpServer.DEFAULT_MAX_HEADER_COUNT - HEADROOM_HEADERS)
                .maxHeaderBytes(HttpServer.DEFAULT_MAX_HEADER_BYTES - HEADROOM_BYTES)
                .host(host).port(port).start();
        lifecycle = Lifecycle.builder().grace(settings.grace()).build().started(server, users, products);
    }

    private static <T> Upstream<ByName, T> upstream(String service, String method, Instancer instancer, HttpClient client, Class<T> type,
                                                   Settings settings, MeterRegistry metrics) {
        Upstream.Builder<ByName, T> builder = Upstream.<ByName, T>builder(service, instancer, instance -> HttpClientTransport.endpoint(client,
                        "GET", URI.create("http://" + instance.address()), (ctx, req) -> OutgoingRequest.path(req.name()), Json.decoder(type)))
                .operation(method).idempotent(true).deadline(settings.deadline()).meterRegistry(metrics).tracer(Serve.tracer(), "GET /{name}");
        if (settings.healthChecks().isPositive()) {
            builder.healthChecks(instance -> client.send("GET", URI.create("http://" + instance.address() + "/health/ready"), Headers.empty(),
                    new byte[0], HealthCheckedInstancer.DEFAULT_TIMEOUT).status() == 200, settings.healthChecks());
        }
        settings.tuning().accept(service, builder);
        return builder.build();
    }

    private static ErrorEncoder callerErrors(Upstream<?, ?> upstream) {
        return (ctx, error) -> ErrorEncoder.json().encode(ctx, upstream.callerError(error));
    }

    public List<Upstream<?, ?>> upstreams() {
        return List.of(users, products);
    }

    /** Ready while serving and every service has an instance; not ready from the moment it starts to close. */
    public boolean isReady() {
        return lifecycle.isReady() && upstreams().stream().noneMatch(u -> u.view().instances().isEmpty());
    }

    /**
     * The operator's side, for an admin port: {@code GET /metrics} (Prometheus text of {@code metrics}),
     * {@code /health/live}, {@code /health/ready} ({@link #isReady()}) and the live console, with fault buttons if
     * {@code faults} are given.
     */
    public Endpoint<HttpRequest, HttpResponse> admin(PrometheusMeterRegistry metrics, Optional<ConsoleModel.FaultControl> faults) {
        UpstreamConsole console = UpstreamConsole.of(upstreams());
        return Router.builder()
                .mount(Metrics.PATH, Metrics.handler(metrics))
                .get("/health/live", (ctx, req) -> HttpResponse.json(200, "{\"status\":\"live\"}".getBytes(StandardCharsets.UTF_8)))
                .get("/health/ready", (ctx, req) -> isReady() ? HttpResponse.json(200, "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8))
                        : ErrorEncoder.body(503, "not_ready", lifecycle.isReady() ? "no instances of " + String.join(", ", upstreams().stream()
                                .filter(u -> u.view().instances().isEmpty()).map(Upstream::service).toList()) : "shutting down"))
                .mount("/", Console.handler(faults.map(console::withFaults).orElse(console)))
                .build();
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
