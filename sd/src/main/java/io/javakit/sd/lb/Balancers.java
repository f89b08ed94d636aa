package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Endpointer.InstanceEndpoint;
import io.javakit.sd.Instance;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

/**
 * The built-in balancers. Each reads the endpointer's current endpoints on every call, so instances that come and
 * go are picked up at once.
 *
 * <p>Which to use: {@link #p2c} when instances may differ in speed or load (a slow, overloaded or failing instance
 * gets less traffic without any configuration); {@link #weightedRoundRobin} when you know the instances' relative
 * capacities; {@link #roundRobin} for identical instances and exactly even spreads.
 */
public final class Balancers {
    /**
     * How fast {@link #p2c} forgets a latency: 10 s, Finagle's default for peak EWMA. A slower answer raises an
     * instance's estimate at once; faster ones bring it down over about this time, and an instance nobody calls
     * sees its estimate fall towards zero at this rate, so a shunned instance is tried again within tens of seconds.
     */
    public static final Duration DEFAULT_EWMA_DECAY = Duration.ofSeconds(10);
    /**
     * The latency {@link #p2c} assumes for an instance it has not heard from yet: 1 ms. Cheap, so a new instance
     * wins comparisons and gets measured; not free, so its outstanding requests still count and a burst does not
     * all land on it before its first answer. The first answer replaces the guess.
     */
    public static final Duration DEFAULT_INITIAL_LATENCY = Duration.ofMillis(1);
    /**
     * The latency {@link #p2c} records for a call that failed because of the instance (unavailable, timed out,
     * rate limited, unexpected error; not a bad request or a not-found, which are answers): at least 10 s. Without
     * it an instance that fails fast would look like the fastest one and draw the traffic. It must outweigh a loaded
     * healthy instance, whose cost is its latency times its requests in flight: with 1 s, under 64 concurrent
     * callers an instance whose breaker was open still won picks against busy healthy ones (the fault suite showed
     * requests spending all their attempts on it). Unmeasured for a while, it decays, so the instance is tried
     * again.
     */
    public static final Duration DEFAULT_FAILURE_PENALTY = Duration.ofSeconds(10);
    /**
     * How long {@link #p2c} takes to ramp an instance that joins the set up to its full share: 10 s, as Envoy's
     * slow start does with its window. A JVM that just started answers its first requests slowly while it loads
     * classes, fills pools and compiles the hot paths, which mostly happens within seconds of steady traffic; a full
     * share at once would hand the cold instance the burst it is least able to take. 10 s is also the
     * {@linkplain #DEFAULT_EWMA_DECAY EWMA decay}, so by the end of the ramp the latency estimate is made of warm
     * answers rather than of the first cold ones.
     */
    public static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(10);
    /**
     * The weight an instance starts its slow start with, against 1 for one past it: 0.1, Envoy's
     * {@code min_weight_percent}. Not zero, so that it is picked, measured and warmed from the start.
     */
    public static final double SLOW_START_MIN_WEIGHT = 0.1;

    /** Longer windows are cut to it, so that their nanoseconds fit a long. */
    private static final Duration MAX_SLOW_START = Duration.ofDays(1);

    /** A {@link RandomGenerator} view of {@link ThreadLocalRandom}, safe to share because it asks per call. */
    private static final RandomGenerator THREAD_LOCAL_RANDOM = new RandomGenerator() {
        @Override
        public long nextLong() {
            return ThreadLocalRandom.current().nextLong();
        }

        @Override
        public int nextInt(int bound) {
            return ThreadLocalRandom.current().nextInt(bound);
        }

        @Override
        public double nextDouble() {
            return ThreadLocalRandom.current().nextDouble();
        }
    };

    private Balancers() {}

    /** Takes the endpoints in turn: over {@code n} instances, {@code n * k} calls give each exactly {@code k}. */
    public static <Req, Res> Balancer<Req, Res> roundRobin(Endpointer<Req, Res> endpointer) {
        AtomicLong counter = new AtomicLong();
        return describe("round-robin", () -> {
            List<InstanceEndpoint<Req, Res>> endpoints = nonEmpty(endpointer);
            return endpoints.get((int) Long.remainderUnsigned(counter.getAndIncrement(), endpoints.size())).endpoint();
        });
    }

    /** Takes an endpoint uniformly at random. */
    public static <Req, Res> Balancer<Req, Res> random(Endpointer<Req, Res> endpointer) {
        return describe("random", () -> {
            List<InstanceEndpoint<Req, Res>> endpoints = nonEmpty(endpointer);
            return endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size())).endpoint();
        });
    }

    /**
     * Power of two choices over least load, after Finagle's {@code P2CPeakEwma}: for each call it draws two
     * distinct instances at random and weighs them by their cost, (outstanding requests + 1) times a peak-EWMA of
     * their latency. Slow instances, busy ones and failing ones (see {@link #DEFAULT_FAILURE_PENALTY}) thus get less
     * traffic, while the random pair keeps every instance in play and avoids the herding of "always the least
     * loaded". The endpoint it hands out measures the call, so call it once per pick.
     *
     * <p>Of the two it takes each with a probability inversely proportional to its cost, not always the cheaper
     * one: for costs {@code ca} and {@code cb}, {@code a} with probability {@code cb / (ca + cb)}. Strict P2C starves
     * instances at light load: with calls one at a time nothing is outstanding, so an instance whose first answers
     * were slow (a cold JIT) loses every comparison until its estimate has decayed, tens of seconds later, and is
     * still cold when load arrives. Weighed, an instance 10 % slower still gets nearly its share and keeps its
     * estimate fresh, one ten times slower gets a tenth of what its partner gets, and large differences stay
     * decisive: against partners answering in 5 ms, an instance 200 ms slower wins 2.4 % of the comparisons it is
     * in and a failing one (10 s) 0.05 %. Under load the costs multiply with the requests in flight, so an instance
     * whose queue grows loses share in proportion. The price is one more random draw per pick.
     *
     * <p>A call its own guard refused ({@link io.javakit.endpoint.NotSentException}: an open breaker, a full
     * bound) is no observation: it never reached the instance. Per-instance state follows the endpointer's set:
     * instances that leave are forgotten; new ones, and ones that come back, start at
     * {@link #DEFAULT_INITIAL_LATENCY} and are ramped in over {@link #DEFAULT_SLOW_START}. Picks take no lock and
     * allocate nothing.
     */
    public static <Req, Res> Balancer<Req, Res> p2c(Endpointer<Req, Res> endpointer) {
        return p2cBuilder(endpointer).build();
    }

    /**
     * {@link #p2c(Endpointer)} drawing from {@code random} and timing calls with {@code nanoClock}, a
     * {@link System#nanoTime()}-like monotonic clock; tests pass a seeded generator and a clock they move.
     * {@code random} must be safe to share between the threads that call the balancer.
     */
    public static <Req, Res> Balancer<Req, Res> p2c(Endpointer<Req, Res> endpointer, RandomGenerator random,
                                                    LongSupplier nanoClock) {
        return p2cBuilder(endpointer).random(random).nanoClock(nanoClock).build();
    }

    /** A builder for {@link #p2c(Endpointer)}, to change its slow start, randomness or clock. */
    public static <Req, Res> P2cBuilder<Req, Res> p2cBuilder(Endpointer<Req, Res> endpointer) {
        return new P2cBuilder<>(Objects.requireNonNull(endpointer, "endpointer"));
    }

    /** Configures a {@link #p2c(Endpointer)} balancer. Not thread-safe; {@link #build()} may be repeated. */
    public static final class P2cBuilder<Req, Res> {
        private final Endpointer<Req, Res> endpointer;
        private Duration slowStart = DEFAULT_SLOW_START;
        private RandomGenerator random = THREAD_LOCAL_RANDOM;
        private LongSupplier nanoClock = System::nanoTime;

        private P2cBuilder(Endpointer<Req, Res> endpointer) {
            this.endpointer = endpointer;
        }

        /**
         * How long an instance that joins the set takes to reach its full share, {@code > 0}; default
         * {@link Balancers#DEFAULT_SLOW_START}. Its weight grows linearly from
         * {@value Balancers#SLOW_START_MIN_WEIGHT} to 1 over the window, so it gets traffic at once, just less of it.
         */
        public P2cBuilder<Req, Res> slowStart(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
            }
            this.slowStart = window;
            return this;
        }

        /** Gives an instance its full share as soon as it joins. */
        public P2cBuilder<Req, Res> noSlowStart() {
            this.slowStart = Duration.ZERO;
            return this;
        }

        /**
         * Where the pairs and the choices come from; it must be safe to share between the threads that call the
         * balancer. Default {@link ThreadLocalRandom}; tests pass a seeded generator.
         */
        public P2cBuilder<Req, Res> random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** A {@link System#nanoTime()}-like monotonic clock to time calls and the slow start; tests pass one they move. */
        public P2cBuilder<Req, Res> nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** The balancer; it describes itself as {@code p2c}. */
        public Balancer<Req, Res> build() {
            return new PeakEwmaBalancer<>(endpointer, random, nanoClock, DEFAULT_EWMA_DECAY.toNanos(),
                    DEFAULT_INITIAL_LATENCY.toNanos(), DEFAULT_FAILURE_PENALTY.toNanos(),
                    slowStart.compareTo(MAX_SLOW_START) < 0 ? slowStart.toNanos() : MAX_SLOW_START.toNanos());
        }
    }

    /**
     * Smooth weighted round robin, nginx's: over a cycle every instance gets exactly its weight's share (weights
     * 1, 2, 3 give 10, 20 and 30 of 60 calls), and the heavy ones are interleaved with the light ones rather than
     * picked in runs. A weight of 0 drains an instance; when every weight is 0 the balancer has nothing to pick.
     *
     * <p>Weights are read when the endpointer's set changes, not per call, so a pick is a counter increment as in
     * {@link #roundRobin}. The shares are exact while the weights, divided by their greatest common divisor, sum
     * to at most 16384; larger sums are scaled down to fit.
     *
     * @param weight an instance's weight, {@code >= 0}; a negative weight makes {@link Balancer#next()} throw an
     *     {@link IllegalArgumentException}
     */
    public static <Req, Res> Balancer<Req, Res> weightedRoundRobin(Endpointer<Req, Res> endpointer,
                                                                   ToIntFunction<? super Instance> weight) {
        return new WeightedRoundRobinBalancer<>(Objects.requireNonNull(endpointer, "endpointer"),
                Objects.requireNonNull(weight, "weight"));
    }

    private static <Req, Res> List<InstanceEndpoint<Req, Res>> nonEmpty(Endpointer<Req, Res> endpointer) {
        List<InstanceEndpoint<Req, Res>> endpoints = endpointer.endpoints();
        if (endpoints.isEmpty()) {
            throw new NoEndpointsException("no instances available");
        }
        return endpoints;
    }

    private static <Req, Res> Balancer<Req, Res> describe(String name, Balancer<Req, Res> balancer) {
        return new Balancer<>() {
            @Override
            public Endpoint<Req, Res> next() {
                return balancer.next();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
