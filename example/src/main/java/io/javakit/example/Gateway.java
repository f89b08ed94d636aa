package io.javakit.example;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RetryExhaustedException;
import io.javakit.endpoint.UnavailableException;
import io.javakit.endpoint.Middleware;
import io.javakit.example.products.Product;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.User;
import io.javakit.example.users.UserService;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.javakit.metrics.Metrics;
import io.javakit.tracing.Tracing;
import io.javakit.resilience.Bulkheads;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.transport.http.Deadlines;
import io.javakit.transport.http.ForwardedHeaders;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;
import io.javakit.resilience.RateLimiters;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Instance;
import io.javakit.sd.HealthCheckedInstancer;
import io.javakit.sd.HealthProbe;
import io.javakit.sd.Instancer;
import io.javakit.sd.lb.Balancer;
import io.javakit.sd.lb.Balancers;
import io.javakit.sd.lb.EjectingEndpointer;
import io.javakit.sd.lb.OutlierDetection;
import io.javakit.sd.lb.NoEndpointsException;
import io.javakit.sd.lb.Retry;
import io.javakit.transport.http.HttpClient;
import io.javakit.transport.http.HttpClientTransport;
import io.javakit.transport.http.HttpServer;
import io.javakit.transport.http.Json;
import io.javakit.transport.http.OutgoingRequest;
import io.javakit.transport.http.Propagation;
import io.javakit.transport.http.Router;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The API gateway: implements UserService and ProductService by calling their instances, and serves them as
 * {@code GET /users/{name}} and {@code GET /products/{name}}. Per instance, as in the seed: a circuit breaker
 * inside a rate limiter; per service: a balancer (P2C by default) with retries within a deadline; see
 * {@link Resilience}.
 */
public final class Gateway implements AutoCloseable {
    /**
     * @param users where the UserService instances are found: a fixed list or a registry
     * @param products where the ProductService instances are found
     * @param rateLimit requests per second per instance, 0 for none
     * @param maxWait 0 for an erroring limiter (429 at once), otherwise how long a delaying limiter may wait
     * @param breakers where each instance's breaker comes from, named {@code host:port}
     * @param resilience deadlines, balancing, retries, ejection and bounds
     */
    public record Settings(Instancer users, Instancer products, int rateLimit, Duration maxWait,
                           CircuitBreakerRegistry breakers, boolean quiet, boolean metrics, Resilience resilience) {
        /** With metrics and the default {@link Resilience}, as a gateway should run. */
        public Settings(Instancer users, Instancer products, int rateLimit, Duration maxWait, CircuitBreakerRegistry breakers, boolean quiet) {
            this(users, products, rateLimit, maxWait, breakers, quiet, true, Resilience.defaults());
        }

        /**
         * How long an instance's breaker stays open: 5 s, the first ejection's length, where the seed kept
         * gobreaker's 60 s: with that, instances restarted one after another in a rolling deploy each stayed
         * refused for a minute, until none was left.
         */
        public static final Duration BREAKER_OPEN = Duration.ofSeconds(5);

        public static Settings defaults(Instancer users, Instancer products) {
            return new Settings(users, products, RateLimiters.DEFAULT_REQUESTS_PER_SECOND, Duration.ZERO, CircuitBreakerRegistry.of(
                    CircuitBreakers.consecutiveFailures(CircuitBreakers.DEFAULT_CONSECUTIVE_FAILURES, BREAKER_OPEN)), false);
        }

        public Settings withResilience(Resilience resilience) {
            return new Settings(users, products, rateLimit, maxWait, breakers, quiet, metrics, resilience);
        }
    }

    /** How a service's instances are picked. */
    public enum Balancing {
        /** Power of two choices over outstanding requests × peak EWMA latency (Finagle's); the default. */
        P2C,
        /** The seed's: each instance in turn. */
        ROUND_ROBIN,
        /** Each instance in turn, as often as its {@linkplain Resilience#weights() weight} says. */
        WEIGHTED_ROUND_ROBIN
    }

    /**
     * How the gateway holds up when instances fail, hang, slow down or get too much traffic (docs/resilience.md).
     *
     * @param deadline what each request may take in all, retries included; callers may ask for less with
     *     {@link Deadlines#HEADER}, and the rest travels to the instances in the same header
     * @param balancing per service ({@code users}, {@code products}); {@link Balancing#P2C} for those not named
     * @param weights per instance for {@link Balancing#WEIGHTED_ROUND_ROBIN}; 1 for those not named
     * @param maxAttempts attempts per request, the first included, each on another pick; retried only within the
     *     deadline and a retry budget of a fifth of the traffic
     * @param ejectOutliers take an instance out of rotation for a while when it keeps failing
     *     ({@link OutlierDetection#ofDefaults()}: 5 failures in a row or half of 20+ requests, 5 s and growing)
     * @param healthChecks how often to probe each instance's {@code GET /health/ready}, keeping those that fail out
     *     of rotation; {@link Duration#ZERO} for no probes (the registry's health and ejection still apply)
     * @param maxConcurrentRequests requests the gateway serves at once; more are answered 503 at once
     * @param maxConcurrentPerInstance calls in flight to one instance; more go to another instance, or fail 503
     */
    public record Resilience(Duration deadline, Map<String, Balancing> balancing, Map<Instance, Integer> weights, int maxAttempts,
                             boolean ejectOutliers, Duration healthChecks, int maxConcurrentRequests, int maxConcurrentPerInstance) {
        public Resilience {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
            }
            balancing = Map.copyOf(balancing);
            weights = Map.copyOf(weights);
            weights.forEach((instance, weight) -> {
                if (weight < 0) {
                    throw new IllegalArgumentException("weight of " + instance + ": " + weight + " (expected: >= 0)");
                }
            });
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
            }
            if (healthChecks.isNegative()) {
                throw new IllegalArgumentException("healthChecks: " + healthChecks + " (expected: >= 0)");
            }
            if (maxConcurrentRequests < 1 || maxConcurrentPerInstance < 1) {
                throw new IllegalArgumentException("maxConcurrentRequests, maxConcurrentPerInstance: " + maxConcurrentRequests
                        + ", " + maxConcurrentPerInstance + " (expected: >= 1)");
            }
        }

        /**
         * Calls in flight to one instance by default: 256. An instance on a small machine answering in a few
         * milliseconds serves tens of thousands of requests a second within it; far more in flight means it is
         * stalling, and piling on only deepens its queue.
         */
        public static final int DEFAULT_MAX_CONCURRENT_PER_INSTANCE = 256;

        /**
         * 1 s deadline (the seed's retry budget), P2C everywhere, 3 attempts, outlier ejection, no probes,
         * {@link HttpServer#DEFAULT_MAX_CONCURRENT_REQUESTS} at once, {@link #DEFAULT_MAX_CONCURRENT_PER_INSTANCE} per
         * instance.
         */
        public static Resilience defaults() {
            return new Resilience(Retry.DEFAULT_MAX_TIME, Map.of(), Map.of(), Retry.DEFAULT_MAX_ATTEMPTS, true, Duration.ZERO,
                    HttpServer.DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONCURRENT_PER_INSTANCE);
        }

        public Resilience withDeadline(Duration deadline) {
            return new Resilience(deadline, balancing, weights, maxAttempts, ejectOutliers, healthChecks, maxConcurrentRequests, maxConcurrentPerInstance);
        }

        public Resilience withBalancing(String service, Balancing how) {
            Map<String, Balancing> next = new HashMap<>(balancing);
            next.put(service, how);
            return new Resilience(deadline, next, weights, maxAttempts, ejectOutliers, healthChecks, maxConcurrentRequests, maxConcurrentPerInstance);
        }

        public Resilience withWeights(Map<Instance, Integer> weights) {
            return new Resilience(deadline, balancing, weights, maxAttempts, ejectOutliers, healthChecks, maxConcurrentRequests, maxConcurrentPerInstance);
        }

        public Resilience withOutlierEjection(boolean ejectOutliers) {
            return new Resilience(deadline, balancing, weights, maxAttempts, ejectOutliers, healthChecks, maxConcurrentRequests, maxConcurrentPerInstance);
        }

        public Resilience withConcurrencyLimits(int maxConcurrentRequests, int maxConcurrentPerInstance) {
            return new Resilience(deadline, balancing, weights, maxAttempts, ejectOutliers, healthChecks, maxConcurrentRequests,
                    maxConcurrentPerInstance);
        }

        public Resilience withHealthChecks(Duration every) {
            return new Resilience(deadline, balancing, weights, maxAttempts, ejectOutliers, every, maxConcurrentRequests, maxConcurrentPerInstance);
        }

        Balancing balancingOf(String service) {
            return balancing.getOrDefault(service, Balancing.P2C);
        }
    }

    /**
     * One service's instances: every one known (from the registry, less those failing active health checks) and
     * those the balancer may pick (less the ejected ones).
     */
    private record Pool<T>(Endpointer<ByName, T> known, EjectingEndpointer<ByName, T> pickable,
                           Optional<HealthCheckedInstancer> probes) implements AutoCloseable {
        @Override
        public void close() {
            pickable.close();
            probes.ifPresent(HealthCheckedInstancer::close);
        }
    }

    /**
     * Room left under the instances' header limits for what the gateway adds to forwarded headers (trace context,
     * {@code X-Forwarded-*}, the deadline, the client's own), so that a request the gateway accepts is never one its
     * instances refuse.
     */
    private static final int FORWARDING_HEADROOM_HEADERS = 16;
    private static final int FORWARDING_HEADROOM_BYTES = 2 * 1024;

    private final HttpServer server;
    private final Map<String, Pool<?>> pools;
    private final PrometheusMeterRegistry metrics;
    private final AutoCloseable jvmMetrics;
    private final CircuitBreakerRegistry breakers;
    private final RecentErrors errors;
    private volatile boolean draining;

    private Gateway(HttpServer server, Map<String, Pool<?>> pools, PrometheusMeterRegistry metrics,
                    AutoCloseable jvmMetrics, CircuitBreakerRegistry breakers, RecentErrors errors) {
        this.server = server;
        this.pools = pools;
        this.metrics = metrics;
        this.jvmMetrics = jvmMetrics;
        this.breakers = breakers;
        this.errors = errors;
    }

    public static Gateway start(Settings settings, String host, int port) {
        // what the gateway reads from its callers and passes on upstream, on its server and its client alike
        Propagation propagation = Propagation.of(Tracing.propagation(), ForwardedHeaders.propagation(),
                Deadlines.propagation(settings.resilience().deadline()));
        HttpClient client = HttpClient.builder().propagation(propagation).build();
        PrometheusMeterRegistry metrics = Metrics.prometheus();
        if (!settings.metrics()) {
            metrics.config().meterFilter(MeterFilter.denyUnless(id -> false));
        }
        Metrics.bindCircuitBreakers(metrics, settings.breakers());
        RecentErrors errors = new RecentErrors();
        Pool<User> userInstances = instances(client, settings.users(), "users", User.class, settings, metrics, errors);
        Pool<Product> productInstances = instances(client, settings.products(), "products", Product.class, settings, metrics, errors);
        Resilience resilience = settings.resilience();
        Endpoint<ByName, User> users = balanced(metrics, "users", "UserByName", userInstances.pickable(), resilience);
        Endpoint<ByName, Product> products = balanced(metrics, "products", "ProductByName", productInstances.pickable(), resilience);
        UserService remoteUsers = (ctx, name) -> users.call(ctx, new ByName(name));
        ProductService remoteProducts = (ctx, name) -> products.call(ctx, new ByName(name));

        String self = "localhost:" + port;
        HttpServer server = HttpServer.builder(Router.builder()
                .get("/users/{name}", Serve.byName("UserByName", (ctx, req) -> remoteUsers.userByName(ctx, req.name()), self,
                        settings.quiet(), upstreamErrors("users", resilience.deadline())))
                .get("/products/{name}", Serve.byName("ProductByName", (ctx, req) -> remoteProducts.productByName(ctx, req.name()), self,
                        settings.quiet(), upstreamErrors("products", resilience.deadline())))
                .build()).propagation(propagation).maxConcurrentRequests(resilience.maxConcurrentRequests())
                .maxHeaderCount(HttpServer.DEFAULT_MAX_HEADER_COUNT - FORWARDING_HEADROOM_HEADERS)
                .maxHeaderBytes(HttpServer.DEFAULT_MAX_HEADER_BYTES - FORWARDING_HEADROOM_BYTES)
                .host(host).port(port).start();
        return new Gateway(server, Map.of("users", userInstances, "products", productInstances), metrics, Metrics.bindJvm(metrics),
                settings.breakers(), errors);
    }

    /**
     * The instances of one service as one endpoint: counted, retried on another pick (lookups are idempotent) with
     * backoff and a retry budget, all within the request's deadline.
     */
    private static <T> Endpoint<ByName, T> balanced(MeterRegistry metrics, String service, String method,
                                                    Endpointer<ByName, T> instances, Resilience resilience) {
        Balancer<ByName, T> balancer = switch (resilience.balancingOf(service)) {
            case P2C -> Balancers.p2c(instances);
            case ROUND_ROBIN -> Balancers.roundRobin(instances);
            case WEIGHTED_ROUND_ROBIN -> Balancers.weightedRoundRobin(instances, i -> resilience.weights().getOrDefault(i, 1));
        };
        return Middleware.chain(Metrics.<ByName, T>middleware(metrics, service, method), Metrics.<ByName, T>retries(metrics, service))
                .wrap(Retry.builder(balancer).idempotent(true)
                        .maxAttempts(resilience.maxAttempts()).maxTime(resilience.deadline()).build());
    }

    private static Throwable finalAttempt(Throwable error) {
        return error instanceof RetryExhaustedException retried ? retried.attempts().getLast() : error;
    }

    /** Upstream failures as the gateway's caller should see them: what happened, not which instance said what. */
    private static ErrorEncoder upstreamErrors(String service, Duration deadline) {
        ErrorEncoder plain = ErrorEncoder.json();
        return (ctx, error) -> plain.encode(ctx, switch (EndpointException.kindOf(error)) {
            case UNAVAILABLE -> new UnavailableException(finalAttempt(error) instanceof NoEndpointsException
                    ? "no " + service + " instances available" : "no " + service + " instance could answer");
            case DEADLINE_EXCEEDED -> new DeadlineExceededException(
                    service + " did not answer within the " + deadline.toMillis() + " ms deadline");
            case RATE_LIMITED -> new RateLimitedException(service + ": too many requests, retry later");
            default -> error;
        });
    }

    /**
     * One client endpoint per instance: GET http://instance/{name} with the caller's end-to-end headers and
     * {@code X-Forwarded-*}, counted, behind a bound on calls in flight, its rate limiter and its breaker, each attempt
     * a client span whose context travels in the request's {@code traceparent}; instances that keep
     * failing are ejected for a while, and with health checks, those failing their probes are left out.
     */
    private static <T> Pool<T> instances(HttpClient client, Instancer instancer, String service, Class<T> type,
                                         Settings settings, MeterRegistry metrics, RecentErrors errors) {
        Resilience resilience = settings.resilience();
        Optional<HealthCheckedInstancer> probes = resilience.healthChecks().isZero() ? Optional.empty()
                : Optional.of(HealthCheckedInstancer.builder(instancer, readinessProbe(client)).interval(resilience.healthChecks()).build());
        Endpointer<ByName, T> known = Endpointer.of(probes.<Instancer>map(p -> p).orElse(instancer), instance -> Middleware.chain(
                        Metrics.<ByName, T>balancerPicks(metrics, service, instance.address()),
                        Bulkheads.<ByName, T>middleware(Bulkheads.concurrencyLimit(instance.address(), resilience.maxConcurrentPerInstance())),
                        Gateway.<T>limiter(instance, settings, metrics),
                        CircuitBreakers.<ByName, T>middleware(settings.breakers().circuitBreaker(instance.address())),
                        errors.<ByName, T>recorder(service),
                        Tracing.<ByName, T>client(Serve.tracer(), "GET /{name}"))
                .wrap(HttpClientTransport.endpoint(client, "GET", URI.create("http://" + instance.address()),
                        (ctx, req) -> OutgoingRequest.path(req.name()),
                        Json.decoder(type))));
        OutlierDetection ejection = OutlierDetection.builder()
                .maxEjectedPercent(resilience.ejectOutliers() ? OutlierDetection.DEFAULT_MAX_EJECTED_PERCENT : 0)
                .listener(new OutlierDetection.Listener() {
                    @Override
                    public void ejected(Instance instance, OutlierDetection.Reason reason, Duration duration) {
                        metrics.counter("javakit.outlier.ejections", "service", service, "instance", instance.address(),
                                "reason", reason.name().toLowerCase(Locale.ROOT)).increment();
                    }
                })
                .build();
        EjectingEndpointer<ByName, T> pickable = ejection.wrap(known);
        metrics.gauge("javakit.outlier.ejected", Tags.of("service", service), pickable, p -> p.ejected().size());
        return new Pool<>(known, pickable, probes);
    }

    /** Ready means registered and not deregistering (see {@link Backends}); anything else, or no answer, is not. */
    private static HealthProbe readinessProbe(HttpClient client) {
        return instance -> client.send("GET", URI.create("http://" + instance.address() + "/health/ready"), Headers.empty(),
                new byte[0], HealthCheckedInstancer.DEFAULT_TIMEOUT).status() == 200;
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
                    if (draining) {
                        return ErrorEncoder.body(503, "not_ready", "shutting down");
                    }
                    List<String> empty = pools.keySet().stream().sorted().filter(s -> instances(s).isEmpty()).toList();
                    return empty.isEmpty() ? HttpResponse.json(200, "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8))
                            : ErrorEncoder.body(503, "not_ready", "no instances of " + String.join(", ", empty));
                })
                .build();
    }

    public int port() {
        return server.port();
    }

    /** What the console shows: instances, breakers, ejections, metrics and recent errors, read live. */
    public GatewayConsole console() {
        return new GatewayConsole(this::instances, this::ejected, breakers, metrics, errors);
    }

    /**
     * The instances the gateway knows for {@code service} ({@code users} or {@code products}): from the registry or
     * the fixed list, less those failing active health checks; ejected ones included.
     */
    public List<Instance> instances(String service) {
        return pools.get(service).known().endpoints().stream().map(Endpointer.InstanceEndpoint::instance).toList();
    }

    /** The instances of {@code service} ejected for failing, which the balancer skips for now. */
    public Set<Instance> ejected(String service) {
        return pools.get(service).pickable().ejected();
    }

    /**
     * Stops gracefully: reports not ready at once (so a load balancer in front stops sending), keeps serving for
     * {@code grace} while it notices, then stops accepting and finishes the requests in flight.
     */
    public void shutdown(Duration grace) throws InterruptedException {
        draining = true;
        if (grace.isPositive()) {
            Thread.sleep(grace);
        }
        close();
    }

    @Override
    public void close() {
        draining = true;
        server.close();
        pools.values().forEach(Pool::close);
        try {
            jvmMetrics.close();
        } catch (Exception e) {
            LoggerFactory.getLogger(Gateway.class).atWarn().addKeyValue("err", e.toString()).log("unbinding JVM metrics failed");
        }
        metrics.close();
    }
}
