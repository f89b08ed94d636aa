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
     * Power of two choices over least load, Finagle's {@code P2CPeakEwma}: for each call it draws two distinct
     * instances at random and takes the one with the lower cost, (outstanding requests + 1) times a peak-EWMA of
     * its latency. Slow instances, busy ones and failing ones (see {@link #DEFAULT_FAILURE_PENALTY}) thus get less
     * traffic, while the random pair keeps every instance in play and avoids the herding of "always the least
     * loaded". The endpoint it hands out measures the call, so call it once per pick.
     *
     * <p>Per-instance state follows the endpointer's set: instances that leave are forgotten, new ones start at
     * {@link #DEFAULT_INITIAL_LATENCY}. Picks take no lock.
     */
    public static <Req, Res> Balancer<Req, Res> p2c(Endpointer<Req, Res> endpointer) {
        return p2c(endpointer, THREAD_LOCAL_RANDOM, System::nanoTime);
    }

    /**
     * {@link #p2c(Endpointer)} drawing from {@code random} and timing calls with {@code nanoClock}, a
     * {@link System#nanoTime()}-like monotonic clock; tests pass a seeded generator and a clock they move.
     * {@code random} must be safe to share between the threads that call the balancer.
     */
    public static <Req, Res> Balancer<Req, Res> p2c(Endpointer<Req, Res> endpointer, RandomGenerator random,
                                                    LongSupplier nanoClock) {
        return new PeakEwmaBalancer<>(Objects.requireNonNull(endpointer, "endpointer"),
                Objects.requireNonNull(random, "random"), Objects.requireNonNull(nanoClock, "nanoClock"),
                DEFAULT_EWMA_DECAY.toNanos(), DEFAULT_INITIAL_LATENCY.toNanos(), DEFAULT_FAILURE_PENALTY.toNanos());
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
