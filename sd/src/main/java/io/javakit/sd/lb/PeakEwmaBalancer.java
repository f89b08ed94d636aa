package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.EndpointException.Kind;
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
 * Power of two choices over peak-EWMA load, after Finagle's {@code P2CPeakEwma}: see
 * {@link Balancers#p2c(Endpointer, RandomGenerator, LongSupplier)}.
 */
final class PeakEwmaBalancer<Req, Res> extends FollowingBalancer<Req, Res, PeakEwmaBalancer.State<Req, Res>> {
    private final RandomGenerator random;
    private final LongSupplier nanoClock;
    private final double decayNanos;
    private final double initialNanos;
    private final double penaltyNanos;

    PeakEwmaBalancer(Endpointer<Req, Res> endpointer, RandomGenerator random, LongSupplier nanoClock,
                     long decayNanos, long initialNanos, long penaltyNanos) {
        super(endpointer, new State<>(List.of(), newNodes(0)));
        this.random = random;
        this.nanoClock = nanoClock;
        this.decayNanos = decayNanos;
        this.initialNanos = initialNanos;
        this.penaltyNanos = penaltyNanos;
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
        long now = nanoClock.getAsLong();
        return nodes[i].load(now) <= nodes[j].load(now) ? nodes[i] : nodes[j];
    }

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
     * false), which the first answer replaces outright.
     */
    private record Ewma(double nanos, long stamp, boolean measured) {}

    /** One instance's load, and the endpoint that measures it: the balancer hands this out. */
    static final class Node<Req, Res> implements Endpoint<Req, Res> {
        private final PeakEwmaBalancer<Req, Res> balancer;
        final InstanceEndpoint<Req, Res> target;
        private final AtomicInteger outstanding = new AtomicInteger();
        private final AtomicReference<Ewma> ewma;

        Node(PeakEwmaBalancer<Req, Res> balancer, InstanceEndpoint<Req, Res> target, long now) {
            this.balancer = balancer;
            this.target = target;
            this.ewma = new AtomicReference<>(new Ewma(balancer.initialNanos, now, false));
        }

        /**
         * The expected cost of one more request: the latency estimate, decayed towards zero for the time nobody
         * measured it (so an instance that was shunned is tried again after a while), times the requests that
         * would be in flight.
         */
        double load(long now) {
            Ewma e = ewma.get();
            return e.nanos() * decay(now - e.stamp()) * (outstanding.get() + 1);
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
                long end = balancer.nanoClock.getAsLong();
                double rtt = Math.max(0, end - start);
                observe(failedHere(failure) ? Math.max(rtt, balancer.penaltyNanos) : rtt, end);
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

        /** Peak EWMA: a slower answer takes over at once; faster ones pull the estimate down over the decay time. */
        private void observe(double rtt, long now) {
            Ewma prev;
            Ewma next;
            do {
                prev = ewma.get();
                double estimate;
                if (!prev.measured() || rtt > prev.nanos()) {
                    estimate = rtt;
                } else {
                    double w = decay(now - prev.stamp());
                    estimate = prev.nanos() * w + rtt * (1 - w);
                }
                next = new Ewma(estimate, now, true);
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
