package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Endpointer.InstanceEndpoint;
import io.javakit.sd.Instance;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * Smooth weighted round robin (nginx's): see {@link Balancers#weightedRoundRobin}. The schedule for one cycle is
 * computed when the set changes, so that a pick is a counter increment and an array read, as in plain round robin.
 */
final class WeightedRoundRobinBalancer<Req, Res>
        extends FollowingBalancer<Req, Res, WeightedRoundRobinBalancer.State<Req, Res>> {
    /**
     * The longest cycle computed: weights whose sum, after dividing by their greatest common divisor, exceeds it
     * are scaled down to fit (each positive weight stays at least 1), so the schedule never costs more than 64 KiB.
     */
    static final int MAX_CYCLE = 1 << 14;

    private final ToIntFunction<? super Instance> weight;

    WeightedRoundRobinBalancer(Endpointer<Req, Res> endpointer, ToIntFunction<? super Instance> weight) {
        super(endpointer, new State<>(List.of(), List.of(), new int[0], new AtomicLong()));
        this.weight = weight;
    }

    record State<Req, Res>(List<InstanceEndpoint<Req, Res>> source, List<Endpoint<Req, Res>> endpoints,
                           int[] schedule, AtomicLong counter) implements FollowingBalancer.Snapshot<Req, Res> {}

    @Override
    public Endpoint<Req, Res> next() {
        State<Req, Res> state = current();
        int[] schedule = state.schedule();
        if (schedule.length == 0) {
            throw new NoEndpointsException(state.source().isEmpty()
                    ? "no instances available" : "no instance has a positive weight");
        }
        return state.endpoints().get(schedule[(int) Long.remainderUnsigned(state.counter().getAndIncrement(), schedule.length)]);
    }

    @Override
    State<Req, Res> rebuild(State<Req, Res> previous, List<InstanceEndpoint<Req, Res>> endpoints) {
        long[] weights = new long[endpoints.size()];
        long gcd = 0;
        for (int i = 0; i < weights.length; i++) {
            Instance instance = endpoints.get(i).instance();
            int w = weight.applyAsInt(instance);
            if (w < 0) {
                throw new IllegalArgumentException("weight of " + instance + ": " + w + " (expected: >= 0)");
            }
            weights[i] = w;
            gcd = gcd(gcd, w);
        }
        long total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = gcd == 0 ? 0 : weights[i] / gcd;
            total += weights[i];
        }
        if (total > MAX_CYCLE) {
            long scaled = 0;
            for (int i = 0; i < weights.length; i++) {
                weights[i] = weights[i] == 0 ? 0 : Math.max(1, weights[i] * MAX_CYCLE / total);
                scaled += weights[i];
            }
            total = scaled;
        }
        return new State<>(endpoints, endpoints.stream().map(InstanceEndpoint::endpoint).toList(),
                schedule(weights, (int) total), new AtomicLong());
    }

    /**
     * One cycle of nginx's smooth weighted round robin: every pick adds each weight to its instance's running
     * score, takes the highest score (the first on a tie) and subtracts the total from it. Over a cycle each
     * instance is picked exactly its weight times, and heavy instances are interleaved with light ones rather than
     * picked in a burst: weights 5, 1, 1 give a a b a c a a.
     */
    private static int[] schedule(long[] weights, int total) {
        int[] schedule = new int[total];
        long[] score = new long[weights.length];
        for (int pick = 0; pick < total; pick++) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                score[i] += weights[i];
                if (weights[i] > 0 && (best < 0 || score[i] > score[best])) {
                    best = i;
                }
            }
            score[best] -= total;
            schedule[pick] = best;
        }
        return schedule;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    State<Req, Res> retarget(State<Req, Res> previous, List<InstanceEndpoint<Req, Res>> endpoints) {
        return new State<>(endpoints, previous.endpoints(), previous.schedule(), previous.counter());
    }

    @Override
    public String toString() {
        return "weighted-round-robin";
    }
}
