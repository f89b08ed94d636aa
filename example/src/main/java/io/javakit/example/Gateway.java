package io.javakit.example;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Middleware;
import io.javakit.example.products.Product;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.User;
import io.javakit.example.users.UserService;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.javakit.metrics.Metrics;
import io.javakit.tracing.Tracing;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;
import io.javakit.resilience.RateLimiters;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Instance;
import io.javakit.sd.Instancer;
import io.javakit.sd.lb.Balancers;
import io.javakit.sd.lb.Retry;
import io.javakit.transport.http.HttpClient;
import io.javakit.transport.http.HttpClientTransport;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Json;
import io.javakit.transport.http.OutgoingRequest;
import io.javakit.transport.http.Router;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The API gateway: implements UserService and ProductService by calling their instances, and serves them as
 * {@code GET /users/{name}} and {@code GET /products/{name}}. Per instance, as in the seed: a circuit breaker
 * inside a rate limiter; per service: round robin over the instances with {@code retry(3, 1 s)}.
 */
public final class Gateway implements AutoCloseable {
    /**
     * @param users where the UserService instances are found: a fixed list or a registry
     * @param products where the ProductService instances are found
     * @param rateLimit requests per second per instance, 0 for none
     * @param maxWait 0 for an erroring limiter (429 at once), otherwise how long a delaying limiter may wait
     * @param breakers where each instance's breaker comes from, named {@code host:port}
     */
    public record Settings(Instancer users, Instancer products, int rateLimit, Duration maxWait,
                           CircuitBreakerRegistry breakers, boolean quiet, boolean metrics) {
        /** With metrics, as a gateway should run; switching them off exists to measure what they cost. */
        public Settings(Instancer users, Instancer products, int rateLimit, Duration maxWait, CircuitBreakerRegistry breakers, boolean quiet) {
            this(users, products, rateLimit, maxWait, breakers, quiet, true);
        }

        public static Settings defaults(Instancer users, Instancer products) {
            return new Settings(users, products, RateLimiters.DEFAULT_REQUESTS_PER_SECOND, Duration.ZERO,
                    CircuitBreakerRegistry.of(CircuitBreakers.seedDefaults()), false);
        }
    }

    private final HttpServer server;
    private final Map<String, Endpointer<ByName, ?>> endpointers;
    private final PrometheusMeterRegistry metrics;
    private final AutoCloseable jvmMetrics;
    private final CircuitBreakerRegistry breakers;
    private final RecentErrors errors;

    private Gateway(HttpServer server, Map<String, Endpointer<ByName, ?>> endpointers, PrometheusMeterRegistry metrics,
                    AutoCloseable jvmMetrics, CircuitBreakerRegistry breakers, RecentErrors errors) {
        this.server = server;
        this.endpointers = endpointers;
        this.metrics = metrics;
        this.jvmMetrics = jvmMetrics;
        this.breakers = breakers;
        this.errors = errors;
    }

    public static Gateway start(Settings settings, String host, int port) {
        HttpClient client = HttpClient.ofDefaults();
        PrometheusMeterRegistry metrics = Metrics.prometheus();
        if (!settings.metrics()) {
            metrics.config().meterFilter(MeterFilter.denyUnless(id -> false));
        }
        Metrics.bindCircuitBreakers(metrics, settings.breakers());
        RecentErrors errors = new RecentErrors();
        Endpointer<ByName, User> userInstances = instances(client, settings.users(), "users", User.class, settings, metrics, errors);
        Endpointer<ByName, Product> productInstances = instances(client, settings.products(), "products", Product.class, settings, metrics, errors);
        Endpoint<ByName, User> users = balanced(metrics, "users", "UserByName", userInstances);
        Endpoint<ByName, Product> products = balanced(metrics, "products", "ProductByName", productInstances);
        UserService remoteUsers = (ctx, name) -> users.call(ctx, new ByName(name));
        ProductService remoteProducts = (ctx, name) -> products.call(ctx, new ByName(name));

        String self = "localhost:" + port;
        HttpServer server = HttpServer.builder(Tracing.extract().wrap(Router.builder()
                .get("/users/{name}", Serve.byName("UserByName", (ctx, req) -> remoteUsers.userByName(ctx, req.name()), self, settings.quiet()))
                .get("/products/{name}", Serve.byName("ProductByName", (ctx, req) -> remoteProducts.productByName(ctx, req.name()), self, settings.quiet()))
                .build())).host(host).port(port).start();
        return new Gateway(server, Map.of("users", userInstances, "products", productInstances), metrics, Metrics.bindJvm(metrics),
                settings.breakers(), errors);
    }

    /** The seed's balancing: round robin over the instances with retry(3, 1 s), counted. */
    private static <T> Endpoint<ByName, T> balanced(MeterRegistry metrics, String service, String method, Endpointer<ByName, T> instances) {
        return Middleware.chain(Metrics.<ByName, T>middleware(metrics, service, method), Metrics.<ByName, T>retries(metrics, service))
                .wrap(Retry.retry(Retry.DEFAULT_MAX_ATTEMPTS, Retry.DEFAULT_MAX_TIME, Balancers.roundRobin(instances)));
    }

    /**
     * One client endpoint per instance: GET http://instance/{name}, counted, behind its rate limiter and breaker,
     * each attempt a client span whose context travels in the request's {@code traceparent}.
     */
    private static <T> Endpointer<ByName, T> instances(HttpClient client, Instancer instancer, String service, Class<T> type,
                                                       Settings settings, MeterRegistry metrics, RecentErrors errors) {
        return Endpointer.of(instancer, instance -> Middleware.chain(
                        Metrics.<ByName, T>balancerPicks(metrics, service, instance.address()),
                        Gateway.<T>limiter(instance, settings, metrics),
                        CircuitBreakers.<ByName, T>middleware(settings.breakers().circuitBreaker(instance.address())),
                        errors.<ByName, T>recorder(service),
                        Tracing.<ByName, T>client(Serve.tracer(), "GET /{name}"))
                .wrap(HttpClientTransport.endpoint(client, "GET", URI.create("http://" + instance.address()),
                        Tracing.inject((ctx, req) -> OutgoingRequest.path(req.name())), Json.decoder(type))));
    }

    private static <T> Middleware<ByName, T> limiter(Instance instance, Settings settings, MeterRegistry metrics) {
        if (settings.rateLimit() == 0) {
            return Middleware.identity();
        }
        RateLimiter limiter = settings.maxWait().isZero() ? RateLimiters.perSecond(instance.address(), settings.rateLimit())
                : RateLimiters.paced(instance.address(), settings.rateLimit(), settings.maxWait());
        Metrics.bindRateLimiter(metrics, limiter);
        return settings.maxWait().isZero() ? RateLimiters.erroring(limiter) : RateLimiters.delaying(limiter);
    }

    /**
     * The operator's side: {@code GET /metrics} (Prometheus text), {@code GET /health/live} (the process serves) and
     * {@code GET /health/ready} (every service has at least one instance), for a separate admin port.
     */
    public Endpoint<HttpRequest, HttpResponse> admin() {
        return Router.builder()
                .get(Metrics.PATH, Metrics.handler(metrics))
                .get("/health/live", (ctx, req) -> HttpResponse.json(200, "{\"status\":\"live\"}".getBytes(StandardCharsets.UTF_8)))
                .get("/health/ready", (ctx, req) -> {
                    List<String> empty = endpointers.keySet().stream().sorted().filter(s -> instances(s).isEmpty()).toList();
                    return empty.isEmpty() ? HttpResponse.json(200, "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8))
                            : ErrorEncoder.body(503, "not_ready", "no instances of " + String.join(", ", empty));
                })
                .build();
    }

    public int port() {
        return server.port();
    }

    /** What the console shows: instances, breakers, metrics and recent errors, read live. */
    public GatewayConsole console() {
        return new GatewayConsole(this::instances, breakers, metrics, errors);
    }

    /** The instances the gateway currently balances over for {@code service} ({@code users} or {@code products}). */
    public List<Instance> instances(String service) {
        return endpointers.get(service).endpoints().stream().map(Endpointer.InstanceEndpoint::instance).toList();
    }

    @Override
    public void close() {
        server.close();
        endpointers.values().forEach(Endpointer::close);
        try {
            jvmMetrics.close();
        } catch (Exception e) {
            LoggerFactory.getLogger(Gateway.class).atWarn().addKeyValue("err", e.toString()).log("unbinding JVM metrics failed");
        }
        metrics.close();
    }
}
