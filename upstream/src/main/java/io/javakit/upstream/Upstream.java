package io.javakit.upstream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.DeadlineExceededException;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.RateLimitedException;
import io.javakit.endpoint.RetryExhaustedException;
import io.javakit.endpoint.UnavailableException;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.RequestContext;
import io.javakit.metrics.Metrics;
import io.javakit.resilience.Bulkheads;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.resilience.RateLimiters;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Factory;
import io.javakit.sd.HealthCheckedInstancer;
import io.javakit.sd.HealthProbe;
import io.javakit.sd.Instance;
import io.javakit.sd.Instancer;
import io.javakit.sd.lb.Balancer;
import io.javakit.sd.lb.Balancers;
import io.javakit.sd.lb.EjectingEndpointer;
import io.javakit.sd.lb.NoEndpointsException;
import io.javakit.sd.lb.OutlierDetection;
import io.javakit.sd.lb.Retry;
import io.javakit.sd.lb.RetryBudget;
import io.javakit.tracing.Tracing;
import io.javakit.upstream.UpstreamView.Breaker;
import io.javakit.upstream.UpstreamView.InstanceState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The client side of one named service, composed once: an {@link Endpoint} that picks an instance, calls it through a
 * fixed stack of safeguards, and retries elsewhere when that is safe. Outermost first:
 *
 * <ol>
 *   <li>metrics for the whole call ({@code javakit_requests_total}, latency, in flight; retries counted);</li>
 *   <li>retry: at most {@link Builder#maxAttempts} attempts within the {@link Builder#deadline}, each on another
 *       instance, with jittered backoff and a {@link RetryBudget}, and only for requests declared
 *       {@linkplain Builder#idempotent idempotent}; a rejection that never reached an instance (open breaker, full
 *       bound) is no attempt: the call moves on to another instance;</li>
 *   <li>the balancer ({@link Balancing#P2C} by default) over the pickable instances: those the instancer knows (less
 *       those failing {@linkplain Builder#healthChecks active health checks}), less those
 *       {@linkplain Builder#outlierDetection ejected} for failing, less those whose breaker is open (all of them when
 *       none would be left);</li>
 *   <li>per instance: the pick counted; a bound on calls in flight ({@link Builder#maxConcurrentPerInstance}, fails
 *       fast); the rate limiter, if any; the circuit breaker; the instance's statistics and recent errors (what the
 *       {@linkplain #view() view} shows); a client span; the transport.</li>
 * </ol>
 *
 * <p>Defaults are those a production gateway wants: a 1 s deadline, 3 attempts, nothing retried unless declared
 * idempotent, P2C, outlier ejection, breakers that open after {@value CircuitBreakers#DEFAULT_CONSECUTIVE_FAILURES}
 * failures in a row for 5 s, 256 calls in flight per instance, no rate limit (a limit is a contract with the instance's
 * owner; set it when there is one). {@link #toString()} prints the stack as built.
 *
 * <pre>{@code
 * Upstream<ByName, User> users = Upstream.builder("users", instancer,
 *                 instance -> HttpClientTransport.endpoint(client, "GET", instance.uri(), encoder, Json.decoder(User.class)))
 *         .idempotent(true)
 *         .meterRegistry(registry)
 *         .build();
 * User alice = users.call(ctx, new ByName("alice"));
 * }</pre>
 *
 * <p>Closing it stops following the instancer and closes every instance's endpoint.
 */
public final class Upstream<Req, Res> implements Endpoint<Req, Res>, AutoCloseable {
    /** How long an instance's breaker stays open: 5 s, the first ejection's length (the seed's 60 s turned a rolling restart into an outage). */
    public static final Duration DEFAULT_BREAKER_OPEN = Duration.ofSeconds(5);
    /**
     * Calls in flight to one instance: 256. An instance answering in a few milliseconds serves tens of thousands of
     * requests a second within it; far more in flight means it is stalling, and piling on only deepens its queue.
     */
    public static final int DEFAULT_MAX_CONCURRENT_PER_INSTANCE = 256;

    /** How an upstream picks among its instances. */
    public enum Balancing {
        /** Power of two choices over outstanding requests × peak-EWMA latency ({@link Balancers#p2c}); the default. */
        P2C("p2c"),
        /** Each instance in turn, exactly ({@link Balancers#roundRobin}): the seed's. */
        ROUND_ROBIN("round-robin"),
        /** Each instance in turn, as often as its weight says ({@link Balancers#weightedRoundRobin}). */
        WEIGHTED_ROUND_ROBIN("weighted-round-robin");

        private final String label;

        Balancing(String label) {
            this.label = label;
        }

        /** The name on the command line and in the view: {@code p2c}, {@code round-robin}, {@code weighted-round-robin}. */
        public String label() {
            return label;
        }

        /** The balancing named {@code label}, as {@link #label()} spells it. */
        public static Balancing parse(String label) {
            for (Balancing b : values()) {
                if (b.label.equals(label)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("balancing: '" + label + "' (expected: p2c, round-robin or weighted-round-robin)");
        }
    }

    private final String service;
    private final Duration deadline;
    private final Endpoint<Req, Res> chain;
    private final Endpointer<Req, Res> known;
    private final EjectingEndpointer<Req, Res> ejecting;
    private final Optional<HealthCheckedInstancer> probes;
    private final Map<Instance, Member> members;
    private final RecentErrors errors;
    private final String balancer;
    private final String retry;
    private final String description;
    /** Moves on each breaker transition, so the pickable set is recomputed only then. */
    private final AtomicLong breakerChanges = new AtomicLong();

    private Upstream(Builder<Req, Res> b) {
        this.service = b.service;
        this.deadline = b.deadline;
        this.members = new ConcurrentHashMap<>();
        this.errors = new RecentErrors();
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.from(b.breaker)
                // the balancer leaves open breakers out, so no call would ever move one on to half-open
                .automaticTransitionFromOpenToHalfOpenEnabled(true).build());
        Metrics.bindCircuitBreakers(b.meters, breakers);
        this.probes = b.probe == null ? Optional.empty()
                : Optional.of(HealthCheckedInstancer.builder(b.instancer, b.probe).interval(b.probeInterval).build());
        Instancer source = probes.<Instancer>map(p -> p).orElse(b.instancer);
        Factory<Req, Res> perInstance = instance -> new InstanceEndpoint(instance, b, breakers);
        this.known = Endpointer.of(source, perInstance);
        OutlierDetection ejection = b.outlierDetection.alsoTelling(new OutlierDetection.Listener() {
            @Override
            public void ejected(Instance instance, OutlierDetection.Reason reason, Duration duration) {
                b.meters.counter("javakit.outlier.ejections", "service", service, "instance", instance.address(),
                        "reason", reason.name().toLowerCase(Locale.ROOT)).increment();
            }
        });
        this.ejecting = ejection.wrap(known);
        b.meters.gauge("javakit.outlier.ejected", Tags.of("service", service), ejecting, e -> e.ejected().size());
        PickableEndpointer<Req, Res> pickable = new PickableEndpointer<>(ejecting, members::get, breakerChanges);
        Balancer<Req, Res> picker = switch (b.balancing) {
            case P2C -> Balancers.p2c(pickable);
            case ROUND_ROBIN -> Balancers.roundRobin(pickable);
            case WEIGHTED_ROUND_ROBIN -> Balancers.weightedRoundRobin(pickable, b.weights);
        };
        Retry.Builder<Req, Res> retrying = Retry.builder(picker).maxAttempts(b.maxAttempts).maxTime(b.deadline).idempotentIf(b.idempotent);
        if (b.budget != null) {
            retrying.budget(b.budget);
        }
        this.chain = Middleware.chain(Metrics.<Req, Res>middleware(b.meters, service, b.operation), Metrics.<Req, Res>retries(b.meters, service))
                .wrap(retrying.build());
        this.balancer = b.balancing.label();
        this.retry = b.maxAttempts + " attempts within " + millis(b.deadline) + (b.idempotentDeclared ? ", idempotent requests only" : ", none idempotent");
        this.description = "upstream(" + service + "): " + chain + " over " + (probes.isPresent() ? "health-checked " : "")
                + "instances less ejected (" + ejection + ") and open breakers; per instance: picks -> bound("
                + b.maxConcurrentPerInstance + " in flight) -> " + (b.rateLimit == 0 ? "" : "rate-limit(" + b.rateLimit + "/s"
                + (b.rateLimitWait.isZero() ? "" : ", waits up to " + millis(b.rateLimitWait)) + ") -> ") + "breaker -> stats -> span("
                + b.spanName + ") -> transport";
    }

    /** A builder for the upstream {@code service}, whose instances {@code instancer} follows and {@code transport} calls. */
    public static <Req, Res> Builder<Req, Res> builder(String service, Instancer instancer, Factory<Req, Res> transport) {
        return new Builder<>(service, instancer, transport);
    }

    @Override
    public Res call(RequestContext ctx, Req request) throws Exception {
        return chain.call(ctx, request);
    }

    /**
     * What a caller of this upstream should be told of {@code error}, one of its calls' failures: what happened, never
     * which instance said what. Answers (not found, bad request) pass through as they are.
     */
    public Throwable callerError(Throwable error) {
        return switch (EndpointException.kindOf(error)) {
            case UNAVAILABLE -> new UnavailableException(finalAttempt(error) instanceof NoEndpointsException
                    ? "no " + service + " instances available" : "no " + service + " instance could answer");
            case DEADLINE_EXCEEDED -> new DeadlineExceededException(service + " did not answer within the " + deadline.toMillis() + " ms deadline");
            case RATE_LIMITED -> new RateLimitedException(service + ": too many requests, retry later");
            default -> error;
        };
    }

    private static Throwable finalAttempt(Throwable error) {
        return error instanceof RetryExhaustedException retried ? retried.attempts().getLast() : error;
    }

    /** The service's name. */
    public String service() {
        return service;
    }

    /** The instances, their state and the recent errors, now. */
    public UpstreamView view() {
        Set<Instance> ejected = ejecting.ejected();
        List<InstanceState> instances = new ArrayList<>();
        for (Endpointer.InstanceEndpoint<Req, Res> endpoint : known.endpoints()) {
            Member member = members.get(endpoint.instance());
            if (member == null) {
                continue; // it left while we looked
            }
            InstanceStats.Minute minute = member.stats.lastMinute();
            boolean out = ejected.contains(member.instance);
            Breaker breaker = member.breaker();
            long latency = member.stats.latencyEstimateNanos();
            instances.add(new InstanceState(member.instance, !out && breaker != Breaker.OPEN, out, breaker, member.stats.inFlight(),
                    latency < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(latency)), member.stats.requests(), member.stats.failures(),
                    minute.requestsPerSecond(), minute.p99Millis()));
        }
        if (!instances.isEmpty() && instances.stream().noneMatch(InstanceState::pickable)) {
            // the balancer falls back to every instance: say so
            instances.replaceAll(i -> new InstanceState(i.instance(), true, i.ejected(), i.breaker(), i.inFlight(), i.latency(),
                    i.requests(), i.failures(), i.requestsPerSecond(), i.p99Millis()));
        }
        return new UpstreamView(service, balancer, retry, instances, errors.newestFirst());
    }

    @Override
    public void close() {
        ejecting.close();
        probes.ifPresent(HealthCheckedInstancer::close);
    }

    /** The stack as built, outermost first. */
    @Override
    public String toString() {
        return description;
    }

    private static String millis(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** One instance's breaker and statistics, for the balancer's filter and the view. */
    static final class Member {
        final Instance instance;
        final CircuitBreaker breaker;
        final InstanceStats stats;

        Member(Instance instance, CircuitBreaker breaker, InstanceStats stats) {
            this.instance = instance;
            this.breaker = breaker;
            this.stats = stats;
        }

        Breaker breaker() {
            return switch (breaker.getState()) {
                case OPEN, FORCED_OPEN -> Breaker.OPEN;
                case HALF_OPEN -> Breaker.HALF_OPEN;
                default -> Breaker.CLOSED;
            };
        }
    }

    /** One instance's stack; closed when the instance leaves, and then forgotten by the view and the filter. */
    private final class InstanceEndpoint implements Endpoint<Req, Res>, AutoCloseable {
        private final Instance instance;
        private final Endpoint<Req, Res> transport;
        private final Endpoint<Req, Res> stack;
        private final CircuitBreakerRegistry breakers;
        private final Member member;

        InstanceEndpoint(Instance instance, Builder<Req, Res> b, CircuitBreakerRegistry breakers) throws Exception {
            this.instance = instance;
            this.breakers = breakers;
            this.transport = Objects.requireNonNull(b.transport.create(instance), "transport endpoint for " + instance);
            String address = instance.address();
            breakers.remove(address); // a breaker left from an earlier stay of this instance
            CircuitBreaker breaker = breakers.circuitBreaker(address);
            this.member = new Member(instance, breaker, new InstanceStats(b.nanoClock));
            breaker.getEventPublisher().onStateTransition(event -> breakerChanges.incrementAndGet());
            this.stack = Middleware.chain(
                            Metrics.<Req, Res>balancerPicks(b.meters, service, address),
                            Bulkheads.<Req, Res>middleware(Bulkheads.concurrencyLimit(address, b.maxConcurrentPerInstance)),
                            limiter(b, address),
                            CircuitBreakers.<Req, Res>middleware(breaker),
                            recorder(),
                            Tracing.<Req, Res>client(b.tracer, b.spanName))
                    .wrap(transport);
            members.put(instance, member);
        }

        private Middleware<Req, Res> limiter(Builder<Req, Res> b, String address) {
            if (b.rateLimit == 0) {
                return Middleware.identity();
            }
            RateLimiter limiter = b.rateLimitWait.isZero() ? RateLimiters.perSecond(address, b.rateLimit)
                    : RateLimiters.paced(address, b.rateLimit, b.rateLimitWait);
            Metrics.bindRateLimiter(b.meters, limiter);
            return b.rateLimitWait.isZero() ? RateLimiters.erroring(limiter) : RateLimiters.delaying(limiter);
        }

        /** What the view shows of the calls that reached the instance. */
        private Middleware<Req, Res> recorder() {
            return next -> (ctx, request) -> {
                long start = member.stats.started();
                boolean failed = false;
                try {
                    return next.call(ctx, request);
                } catch (Exception e) {
                    failed = EndpointException.isInstanceFailure(e);
                    if (failed) {
                        errors.add(instance, e);
                    }
                    throw e;
                } finally {
                    member.stats.finished(start, failed);
                }
            };
        }

        @Override
        public Res call(RequestContext ctx, Req request) throws Exception {
            return stack.call(ctx, request);
        }

        @Override
        public void close() throws Exception {
            members.remove(instance, member);
            breakers.remove(instance.address());
            if (transport instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }

        @Override
        public String toString() {
            return instance.address();
        }
    }

    /** Configures an {@link Upstream}; every setting has a production default. Not thread-safe. */
    public static final class Builder<Req, Res> {
        private final String service;
        private final Instancer instancer;
        private final Factory<Req, Res> transport;
        private String operation = "call";
        private Duration deadline = Retry.DEFAULT_MAX_TIME;
        private int maxAttempts = Retry.DEFAULT_MAX_ATTEMPTS;
        private Predicate<? super Req> idempotent = request -> false;
        private boolean idempotentDeclared;
        private RetryBudget budget;
        private Balancing balancing = Balancing.P2C;
        private ToIntFunction<? super Instance> weights = instance -> 1;
        private OutlierDetection outlierDetection = OutlierDetection.ofDefaults();
        private HealthProbe probe;
        private Duration probeInterval;
        private int maxConcurrentPerInstance = DEFAULT_MAX_CONCURRENT_PER_INSTANCE;
        private int rateLimit;
        private Duration rateLimitWait = Duration.ZERO;
        private CircuitBreakerConfig breaker = CircuitBreakers.consecutiveFailures(CircuitBreakers.DEFAULT_CONSECUTIVE_FAILURES, DEFAULT_BREAKER_OPEN);
        private MeterRegistry meters = io.micrometer.core.instrument.Metrics.globalRegistry;
        private Tracer tracer = GlobalOpenTelemetry.getTracer("io.javakit.upstream");
        private String spanName;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder(String service, Instancer instancer, Factory<Req, Res> transport) {
            if (Objects.requireNonNull(service, "service").isBlank()) {
                throw new IllegalArgumentException("service: '" + service + "' (expected: a name, e.g. users)");
            }
            this.service = service;
            this.instancer = Objects.requireNonNull(instancer, "instancer");
            this.transport = Objects.requireNonNull(transport, "transport");
            this.spanName = service;
        }

        /** The operation's name in metrics ({@code endpoint} label), e.g. {@code UserByName}; default {@code call}. */
        public Builder<Req, Res> operation(String operation) {
            this.operation = Objects.requireNonNull(operation, "operation");
            return this;
        }

        /** What one call may take in all, retries included, {@code > 0}; callers' own deadlines still narrow it. Default 1 s. */
        public Builder<Req, Res> deadline(Duration deadline) {
            requirePositive(deadline, "deadline");
            this.deadline = deadline;
            return this;
        }

        /** Attempts per call, the first included, {@code >= 1}; default {@value Retry#DEFAULT_MAX_ATTEMPTS}. */
        public Builder<Req, Res> maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Whether every request may be sent twice (lookups: yes). Default no: nothing is retried after it was sent. */
        public Builder<Req, Res> idempotent(boolean idempotent) {
            this.idempotent = request -> idempotent;
            this.idempotentDeclared = idempotent;
            return this;
        }

        /** Which requests may be sent twice; the others are never retried once sent. */
        public Builder<Req, Res> idempotentIf(Predicate<? super Req> idempotent) {
            this.idempotent = Objects.requireNonNull(idempotent, "idempotent");
            this.idempotentDeclared = true;
            return this;
        }

        /** The budget retries draw from; default a {@link RetryBudget#ofDefaults()} of this upstream's own. */
        public Builder<Req, Res> retryBudget(RetryBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /** How instances are picked; default {@link Balancing#P2C}. */
        public Builder<Req, Res> balancing(Balancing balancing) {
            this.balancing = Objects.requireNonNull(balancing, "balancing");
            return this;
        }

        /** Instance weights for {@link Balancing#WEIGHTED_ROUND_ROBIN}, each {@code >= 0}; default 1 each. */
        public Builder<Req, Res> weights(ToIntFunction<? super Instance> weights) {
            this.weights = Objects.requireNonNull(weights, "weights");
            return this;
        }

        /** When instances that keep failing are taken out; default {@link OutlierDetection#ofDefaults()}. */
        public Builder<Req, Res> outlierDetection(OutlierDetection outlierDetection) {
            this.outlierDetection = Objects.requireNonNull(outlierDetection, "outlierDetection");
            return this;
        }

        /** No outlier ejection: every known instance stays pickable, however it fails (breakers still open). */
        public Builder<Req, Res> noOutlierEjection() {
            this.outlierDetection = OutlierDetection.builder().maxEjectedPercent(0).build();
            return this;
        }

        /** Probes every instance with {@code probe} each {@code interval} and leaves those failing out; default none. */
        public Builder<Req, Res> healthChecks(HealthProbe probe, Duration interval) {
            requirePositive(interval, "interval");
            this.probe = Objects.requireNonNull(probe, "probe");
            this.probeInterval = interval;
            return this;
        }

        /** Calls in flight to one instance, {@code >= 1}; more go to another instance. Default {@value #DEFAULT_MAX_CONCURRENT_PER_INSTANCE}. */
        public Builder<Req, Res> maxConcurrentPerInstance(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("maxConcurrentPerInstance: " + calls + " (expected: >= 1)");
            }
            this.maxConcurrentPerInstance = calls;
            return this;
        }

        /**
         * At most {@code perSecond} calls a second to each instance, 0 for no limit (the default); over it, a call waits
         * up to {@code maxWait} for a slot, or with {@link Duration#ZERO} fails at once as rate limited (429).
         */
        public Builder<Req, Res> rateLimit(int perSecond, Duration maxWait) {
            if (perSecond < 0) {
                throw new IllegalArgumentException("perSecond: " + perSecond + " (expected: >= 0, 0 for no limit)");
            }
            if (Objects.requireNonNull(maxWait, "maxWait").isNegative()) {
                throw new IllegalArgumentException("maxWait: " + maxWait + " (expected: >= 0)");
            }
            this.rateLimit = perSecond;
            this.rateLimitWait = maxWait;
            return this;
        }

        /** Each instance's circuit breaker; default {@link CircuitBreakers#consecutiveFailures} 6 in a row, open 5 s. */
        public Builder<Req, Res> breaker(CircuitBreakerConfig breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        /** Where meters go; default Micrometer's global registry (records nothing until a registry is added to it). */
        public Builder<Req, Res> meterRegistry(MeterRegistry meters) {
            this.meters = Objects.requireNonNull(meters, "meters");
            return this;
        }

        /** The tracer of the client spans, named {@code spanName}; default the global OpenTelemetry's, named after the service. */
        public Builder<Req, Res> tracer(Tracer tracer, String spanName) {
            this.tracer = Objects.requireNonNull(tracer, "tracer");
            this.spanName = Objects.requireNonNull(spanName, "spanName");
            return this;
        }

        /** The monotonic clock of the view's statistics; tests pass one they move. Default {@link System#nanoTime()}. */
        public Builder<Req, Res> nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        public Upstream<Req, Res> build() {
            return new Upstream<>(this);
        }

        private static void requirePositive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
        }
    }
}
