package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.EndpointException.Kind;
import io.javakit.endpoint.NotSentException;
import io.javakit.endpoint.RequestContext;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Endpointer.InstanceEndpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Power of two choices over peak-EWMA load, after Finagle's {@code P2CPeakEwma}, with a weighted rather than a
 * strict choice between the two and Envoy's slow start: see {@link Balancers#p2c(Endpointer)}.
 */
final class PeakEwmaBalancer<Req, Res> extends FollowingBalancer<Req, Res, PeakEwmaBalancer.State<Req, Res>> {
    private final RandomGenerator random;
    private final LongSupplier nanoClock;
    private final double decayNanos;
    private final double initialNanos;
    private final double penaltyNanos;
    /** Zero when there is no slow start. */
    private final long slowStartNanos;

    PeakEwmaBalancer(Endpointer<Req, Res> endpointer, RandomGenerator random, LongSupplier nanoClock,
                     long decayNanos, long initialNanos, long penaltyNanos, long slowStartNanos) {
        super(endpointer, new State<>(List.of(), newNodes(0)));
        this.random = random;
        this.nanoClock = nanoClock;
        this.decayNanos = decayNanos;
        this.initialNanos = initialNanos;
        this.penaltyNanos = penaltyNanos;
        this.slowStartNanos = slowStartNanos;
    }

    record State<Req, Res>(List<InstanceEndpoint<Req, Res>> source, Node<Req, Res>[] nodes)
            implements FollowingBalancer.Snapshot<Req, Res> {}

    @Override
    public Endpoint<Req, Res> next() {
        Node<Req, Res>[] nodes = current().nodes();
        int n = nodes.length;
        if (n == 0) {
            throw new NoEndpointsException("no instances available");
        }
        if (n == 1) {
            return nodes[0];
        }
        // Two distinct indexes, uniformly: draw the second from the n - 1 others.
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        return choose(nodes[i], nodes[j], nanoClock.getAsLong());
    }

    /**
     * Takes {@code a} with probability {@code (wa / ca) / (wa / ca + wb / cb)}, where {@code c} is a node's
     * {@linkplain Node#load cost} and {@code w} its {@linkplain Node#weight slow-start weight}: within the pair, each
     * gets picks in proportion to how much more it can take, as Envoy's least-request weights hosts by
     * {@code weight / (active + 1)}. Computed as products, so that a zero cost (an instance whose calls take no
     * measurable time) needs no division: it wins outright, and two of them split by weight.
     *
     * <p>Either keeps at least {@value #FLOOR} of the pair's picks, times its weight: the only way the balancer learns
     * that an instance it penalized for failing answers again is to send it a call now and then. Without the floor, an
     * instance restarted behind a fixed list (nothing tells the balancer it is back) got a call every few thousand and
     * stayed out of rotation for tens of seconds. One that still fails costs a retry on that share; keeping a dead
     * instance out altogether is the business of its breaker and of outlier ejection.
     */
    private Node<Req, Res> choose(Node<Req, Res> a, Node<Req, Res> b, long now) {
        double weightA = a.weight(now);
        double weightB = b.weight(now);
        double forA = weightA * b.load(now);
        double forB = weightB * a.load(now);
        double share = forA + forB <= 0 ? weightA / (weightA + weightB) : forA / (forA + forB);
        share = Math.clamp(share, FLOOR * weightA, 1 - FLOOR * weightB);
        return random.nextDouble() < share ? a : b;
    }

    /**
     * How long a refusal by the caller's own guard makes an instance costly: 100 ms. Long enough that the calls right
     * behind the refused one go elsewhere instead of being refused too (under load, a half-open breaker refused dozens
     * of calls a millisecond and the retries gave up); short enough that it never keeps an instance out.
     */
    static final long REFUSAL_HOLD_NANOS = 100_000_000L;

    /** The least share of a pair's picks either instance keeps (times its slow-start weight): 1 %. */
    static final double FLOOR = 0.01;

    @Override
    State<Req, Res> rebuild(State<Req, Res> previous, List<InstanceEndpoint<Req, Res>> endpoints) {
        Map<InstanceEndpoint<Req, Res>, Node<Req, Res>> known = new HashMap<>();
        for (Node<Req, Res> node : previous.nodes()) {
            known.put(node.target, node);
        }
        long now = nanoClock.getAsLong();
        Node<Req, Res>[] nodes = newNodes(endpoints.size());
        for (int k = 0; k < nodes.length; k++) {
            InstanceEndpoint<Req, Res> target = endpoints.get(k);
            Node<Req, Res> node = known.get(target);
            nodes[k] = node != null ? node : new Node<>(this, target, now);
        }
        return new State<>(endpoints, nodes);
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type: only nodes of this balancer go in
    private static <Req, Res> Node<Req, Res>[] newNodes(int size) {
        return new Node[size];
    }

    @Override
    State<Req, Res> retarget(State<Req, Res> previous, List<InstanceEndpoint<Req, Res>> endpoints) {
        return new State<>(endpoints, previous.nodes());
    }

    @Override
    public String toString() {
        return "p2c";
    }

    /**
     * The latency estimate at {@code stamp}. Until the first answer it is the balancer's guess ({@code measured}
     * false), which the first answer replaces outright; so does the first answer after a failure ({@code penalized}).
     */
    private record Ewma(double nanos, long stamp, boolean measured, boolean penalized) {}

    /** One instance's load, and the endpoint that measures it: the balancer hands this out. */
    static final class Node<Req, Res> implements Endpoint<Req, Res> {
        private final PeakEwmaBalancer<Req, Res> balancer;
        final InstanceEndpoint<Req, Res> target;
        private final AtomicInteger outstanding = new AtomicInteger();
        private final AtomicReference<Ewma> ewma;
        /** When this instance joined the balancer's set, for the slow start. */
        private final long joined;
        /** Until when the caller's own guard refuses calls to it, as far as the last refusal tells; on the nano clock. */
        private volatile long refusedUntil;
        private volatile boolean refusing;

        Node(PeakEwmaBalancer<Req, Res> balancer, InstanceEndpoint<Req, Res> target, long now) {
            this.balancer = balancer;
            this.target = target;
            this.ewma = new AtomicReference<>(new Ewma(balancer.initialNanos, now, false, false));
            this.joined = now;
        }

        /**
         * The share this instance may take relative to one past its slow start: Envoy's linear ramp, from
         * {@value Balancers#SLOW_START_MIN_WEIGHT} when it joins to 1 at the end of the window. The floor keeps a
         * new instance in play from its first pick, so that it gets measured and warmed at once.
         */
        double weight(long now) {
            long age = now - joined;
            if (balancer.slowStartNanos == 0 || age >= balancer.slowStartNanos) {
                return 1;
            }
            return Math.max(Balancers.SLOW_START_MIN_WEIGHT, (double) age / balancer.slowStartNanos);
        }

        /**
         * The expected cost of one more request: the latency estimate, decayed towards zero for the time nobody
         * measured it (so an instance that was shunned is tried again after a while), times the requests that
         * would be in flight.
         */
        double load(long now) {
            Ewma e = ewma.get();
            double estimate = refusing && now - refusedUntil < 0 ? Math.max(e.nanos(), balancer.penaltyNanos) : e.nanos() * decay(now - e.stamp());
            return estimate * (outstanding.get() + 1);
        }

        @Override
        public Res call(RequestContext ctx, Req request) throws Exception {
            outstanding.incrementAndGet();
            long start = balancer.nanoClock.getAsLong();
            Throwable failure = null;
            try {
                return target.endpoint().call(ctx, request);
            } catch (Throwable t) {
                failure = t;
                throw t;
            } finally {
                outstanding.decrementAndGet();
                // The caller's own guard refused it (breaker open, bound full): nothing reached the instance, so
                // there is nothing to learn. Recording the penalty would shun a recovered instance for tens of
                // seconds after its breaker closed; recording the near-zero time would make it look fastest.
                if (failure instanceof NotSentException) {
                    // ... but while the guard refuses (a half-open breaker's single trial is out, a bound is full), a
                    // pick of it is wasted: keep it costly for a moment, so the pair's other instance takes the calls.
                    refusedUntil = balancer.nanoClock.getAsLong() + REFUSAL_HOLD_NANOS;
                    refusing = true;
                } else {
                    long end = balancer.nanoClock.getAsLong();
                    double rtt = Math.max(0, end - start);
                    boolean failed = failedHere(failure);
                    observe(failed ? Math.max(rtt, balancer.penaltyNanos) : rtt, end, failed);
                }
            }
        }

        /** A failure that says this instance could not serve counts as slow, so failing fast does not attract traffic. */
        private static boolean failedHere(Throwable failure) {
            if (failure == null) {
                return false;
            }
            Kind kind = EndpointException.kindOf(failure);
            return kind != Kind.BAD_REQUEST && kind != Kind.NOT_FOUND;
        }

        /**
         * Peak EWMA: a slower answer takes over at once; faster ones pull the estimate down over the decay time. An
         * answer after a failure replaces the penalty outright: the penalty keeps traffic off an instance while it
         * fails, and once it answers again it is as fast as it answers. Decaying the penalty instead kept an instance
         * restarted behind a fixed list out of rotation for tens of seconds (the fault suite's fixed-rolling scenario);
         * an instance that keeps failing is the business of outlier ejection and its breaker.
         */
        private void observe(double rtt, long now, boolean failed) {
            Ewma prev;
            Ewma next;
            do {
                prev = ewma.get();
                double estimate;
                if (!prev.measured() || rtt > prev.nanos() || (prev.penalized() && !failed)) {
                    estimate = rtt;
                } else {
                    double w = decay(now - prev.stamp());
                    estimate = prev.nanos() * w + rtt * (1 - w);
                }
                next = new Ewma(estimate, now, true, failed);
            } while (!ewma.compareAndSet(prev, next));
        }

        private double decay(long elapsedNanos) {
            return elapsedNanos <= 0 ? 1 : Math.exp(-elapsedNanos / balancer.decayNanos);
        }

        @Override
        public String toString() {
            return target.endpoint().toString();
        }
    }
}
