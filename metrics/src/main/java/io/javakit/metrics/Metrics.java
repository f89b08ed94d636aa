package io.javakit.metrics;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.Headers;
import io.javakit.endpoint.Middleware;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.Router;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Metrics through Micrometer: middleware that measures endpoints, retries and balancer picks, bindings for circuit
 * breakers, rate limiters and the JVM, and a handler that serves everything to Prometheus. The registry is always
 * passed in, never global, so that tests and several services in one process keep their meters apart.
 *
 * <p>A gateway's client side, measured (names and labels as in the package documentation):
 * <pre>{@code
 * PrometheusMeterRegistry registry = Metrics.prometheus();
 * Metrics.bindJvm(registry);
 * Metrics.bindCircuitBreakers(registry, breakers);
 * Endpointer<ByName, User> instances = Endpointer.of(instancer, instance -> Middleware.chain(
 *                 Metrics.<ByName, User>balancerPicks(registry, "users", instance.address()),
 *                 RateLimiters.<ByName, User>erroring(limiter),
 *                 CircuitBreakers.<ByName, User>middleware(breakers.circuitBreaker(instance.address())))
 *         .wrap(client));
 * Endpoint<ByName, User> users = Middleware.chain(
 *                 Metrics.<ByName, User>middleware(registry, "users", "UserByName"),
 *                 Metrics.<ByName, User>retries(registry, "users"))
 *         .wrap(Retry.retry(3, Duration.ofSeconds(1), Balancers.roundRobin(instances)));
 * HttpServer admin = HttpServer.builder(Metrics.handler(registry)).port(9000).start();
 * }</pre>
 */
public final class Metrics {
    /** The Prometheus text exposition format, version 0.0.4, that {@link #handler} serves. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Where {@link #handler} serves the metrics. */
    public static final String PATH = "/metrics";
    /** The {@code instance} label of a call that no balancer recorded an instance for (a server-side endpoint). */
    public static final String NO_INSTANCE = "none";
    /** The {@code outcome} label of a call that returned a response. */
    public static final String SUCCESS = "success";

    static final String REQUESTS = "javakit.requests";
    static final String REQUEST_DURATION = "javakit.request.duration";
    static final String IN_FLIGHT = "javakit.inflight.requests";
    static final String RETRIES = "javakit.retries";
    static final String BALANCER_PICKS = "javakit.balancer.picks";

    static final String SERVICE = "service";
    static final String ENDPOINT = "endpoint";
    static final String INSTANCE = "instance";
    static final String OUTCOME = "outcome";

    /** The outcome label of each failure kind: its name in lower case, e.g. {@code not_found}. */
    private static final String[] OUTCOMES = outcomes();

    /**
     * The in-flight count of each service and endpoint, per registry. A registry hands back the gauge registered
     * first for a name and tags, which reads that first count; so a second middleware for the same endpoint must
     * share the count instead of bringing its own, which no one would read. Weak keys let a dropped registry go.
     */
    private static final Map<MeterRegistry, Map<List<String>, AtomicInteger>> IN_FLIGHT_COUNTS = new WeakHashMap<>();

    private Metrics() {}

    /**
     * Measures every call of one endpoint: counts it in {@code javakit_requests_total}, records its latency in the
     * histogram {@code javakit_request_duration_seconds}, both labelled {@code service}, {@code endpoint},
     * {@code instance} (what the balancer recorded in the {@link CallLog}, {@value #NO_INSTANCE} if nothing did)
     * and {@code outcome} ({@value #SUCCESS} or the failure's {@link EndpointException.Kind} in lower case, e.g.
     * {@code not_found}; anything that is not an {@code EndpointException} is {@code internal}); and keeps the
     * gauge {@code javakit_inflight_requests} (labels {@code service}, {@code endpoint}) at the number of calls
     * under way.
     *
     * <p>Put it outside the retry, so that a call is counted once with the instance that finally served it. Its
     * latency comes from the registry's {@link Clock}.
     *
     * @param service the service the endpoint belongs to, e.g. {@code users}
     * @param endpoint the operation, e.g. {@code UserByName}
     */
    public static <Req, Res> Middleware<Req, Res> middleware(MeterRegistry registry, String service, String endpoint) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(endpoint, "endpoint");
        Meter.MeterProvider<Counter> requests = Counter.builder(REQUESTS)
                .description("Calls of an endpoint, by the instance that served them and their outcome")
                .tags(SERVICE, service, ENDPOINT, endpoint)
                .withRegistry(registry);
        Meter.MeterProvider<Timer> durations = Timer.builder(REQUEST_DURATION)
                .description("Latency of calls of an endpoint, by the instance that served them and their outcome")
                .tags(SERVICE, service, ENDPOINT, endpoint)
                .publishPercentileHistogram()
                .withRegistry(registry);
        AtomicInteger inFlight = inFlight(registry, service, endpoint);
        Clock clock = registry.config().clock();
        return Middleware.named("metrics(" + service + "/" + endpoint + ")", next -> (ctx, request) -> {
            inFlight.incrementAndGet();
            long start = clock.monotonicTime();
            String outcome = SUCCESS;
            try {
                return next.call(ctx, request);
            } catch (Exception | Error e) {
                outcome = OUTCOMES[EndpointException.kindOf(e).ordinal()];
                throw e;
            } finally {
                long took = clock.monotonicTime() - start;
                inFlight.decrementAndGet();
                Tags tags = Tags.of(INSTANCE, ctx.log().get(CallLog.INSTANCE).orElse(NO_INSTANCE), OUTCOME, outcome);
                requests.withTags(tags).increment();
                durations.withTags(tags).record(took, TimeUnit.NANOSECONDS);
            }
        });
    }

    private static AtomicInteger inFlight(MeterRegistry registry, String service, String endpoint) {
        synchronized (IN_FLIGHT_COUNTS) {
            return IN_FLIGHT_COUNTS.computeIfAbsent(registry, r -> new HashMap<>())
                    .computeIfAbsent(List.of(service, endpoint), key -> {
                        AtomicInteger count = new AtomicInteger();
                        Gauge.builder(IN_FLIGHT, count, AtomicInteger::get)
                                .description("Calls of an endpoint under way")
                                .tags(SERVICE, service, ENDPOINT, endpoint)
                                .strongReference(true)
                                .register(registry);
                        return count;
                    });
        }
    }

    private static String[] outcomes() {
        EndpointException.Kind[] kinds = EndpointException.Kind.values();
        String[] outcomes = new String[kinds.length];
        for (EndpointException.Kind kind : kinds) {
            outcomes[kind.ordinal()] = kind.name().toLowerCase(Locale.ROOT);
        }
        return outcomes;
    }

    /**
     * Counts the attempts a retry made beyond the first in {@code javakit_retries_total} (label {@code service}),
     * from the {@link CallLog#ATTEMPTS} the retry records. Wrap the retry's endpoint with it:
     * {@code Metrics.retries(registry, "users").wrap(Retry.retry(...))}.
     */
    public static <Req, Res> Middleware<Req, Res> retries(MeterRegistry registry, String service) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(service, "service");
        Counter retries = Counter.builder(RETRIES)
                .description("Attempts beyond the first made by retries")
                .tag(SERVICE, service)
                .register(registry);
        return Middleware.named("retry-metrics(" + service + ")", next -> (ctx, request) -> {
            try {
                return next.call(ctx, request);
            } finally {
                int attempts = ctx.log().get(CallLog.ATTEMPTS).orElse(1);
                if (attempts > 1) {
                    retries.increment(attempts - 1);
                }
            }
        });
    }

    /**
     * Counts the calls a balancer sends to one instance in {@code javakit_balancer_picks_total} (labels
     * {@code service}, {@code instance}). It belongs in the endpointer's factory, outermost, so that it sees every
     * pick, including those its limiter or breaker then rejects.
     *
     * @param instance the instance's address, {@code host:port}
     */
    public static <Req, Res> Middleware<Req, Res> balancerPicks(MeterRegistry registry, String service, String instance) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(instance, "instance");
        Counter picks = Counter.builder(BALANCER_PICKS)
                .description("Calls a balancer sent to an instance")
                .tags(SERVICE, service, INSTANCE, instance)
                .register(registry);
        return Middleware.named("pick-metrics(" + instance + ")", next -> (ctx, request) -> {
            picks.increment();
            return next.call(ctx, request);
        });
    }

    /**
     * Measures one circuit breaker, whose name is taken as the {@code instance} label (javakit names a breaker
     * after the instance it guards): its state in {@code javakit_breaker_state} (0 closed, 1 open, 2 half-open;
     * forced-open counts as open, disabled and metrics-only as closed, since calls pass), its transitions in
     * {@code javakit_breaker_transitions_total} (labels {@code from}, {@code to}), and Resilience4j's own
     * {@code resilience4j_circuitbreaker_*} meters (calls, failure rate, rejected calls). Bind each breaker once:
     * a second binding would count every transition twice.
     */
    public static void bindCircuitBreaker(MeterRegistry registry, CircuitBreaker breaker) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(breaker, "breaker");
        new ResilienceMetrics(registry).bind(breaker);
    }

    /**
     * Measures every breaker of {@code breakers}, present and future, as {@link #bindCircuitBreaker} does; a
     * breaker removed from the registry takes its state gauge with it.
     */
    public static void bindCircuitBreakers(MeterRegistry registry, CircuitBreakerRegistry breakers) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(breakers, "breakers");
        new ResilienceMetrics(registry).bindAll(breakers);
    }

    /**
     * Measures one rate limiter, whose name is taken as the {@code instance} label: the calls it rejected in
     * {@code javakit_ratelimiter_rejections_total}, and Resilience4j's own {@code resilience4j_ratelimiter_*}
     * gauges (available permissions, waiting threads). A delaying limiter's rejections for want of time before
     * the request's deadline are javakit's decision, not the limiter's, and are not counted here; they show as
     * {@code outcome="rate_limited"} in {@code javakit_requests_total}. Bind each limiter once.
     */
    public static void bindRateLimiter(MeterRegistry registry, RateLimiter limiter) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(limiter, "limiter");
        new ResilienceMetrics(registry).bind(limiter);
    }

    /**
     * Binds Micrometer's JVM and process meters: memory and buffer pools ({@code jvm_memory_*},
     * {@code jvm_buffer_*}), garbage collection ({@code jvm_gc_*}), threads ({@code jvm_threads_*}), processors and
     * CPU use ({@code system_cpu_*}, {@code process_cpu_usage}) and uptime ({@code process_uptime_seconds},
     * {@code process_start_time_seconds}).
     *
     * @return closes the garbage collection listeners; a process that measures itself until it exits can ignore it
     */
    public static AutoCloseable bindJvm(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return gc;
    }

    /** A new registry that keeps its meters for Prometheus to scrape through {@link #handler}. */
    public static PrometheusMeterRegistry prometheus() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * An admin handler that answers {@code GET /metrics} with every meter of {@code registry} in the Prometheus
     * text format ({@value #CONTENT_TYPE}), any other path with a 404 and any other method with a 405. Serve it on
     * its own port, away from the service's traffic:
     * {@code HttpServer.builder(Metrics.handler(registry)).port(9000).start()}.
     */
    public static Endpoint<HttpRequest, HttpResponse> handler(PrometheusMeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        Headers headers = Headers.of("content-type", CONTENT_TYPE);
        Endpoint<HttpRequest, HttpResponse> scrape = (ctx, request) ->
                new HttpResponse(200, headers, registry.scrape(CONTENT_TYPE).getBytes(StandardCharsets.UTF_8));
        return Router.builder().get(PATH, Endpoint.named("prometheus-scrape", scrape)).build();
    }
}
