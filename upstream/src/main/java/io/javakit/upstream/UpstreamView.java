package io.javakit.upstream;

import io.javakit.sd.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link Upstream} as it stands, read-only: what the console and operators read, instead of meter names.
 *
 * @param service the service's name, e.g. {@code users}
 * @param balancer the balancer in use, e.g. {@code p2c}
 * @param retry the retry policy in use, in words
 * @param instances every instance known (from the instancer, less those failing active health checks), in
 *     instance order; ejected ones and ones whose breaker is open included
 * @param recentErrors the latest failed attempts, newest first
 */
public record UpstreamView(String service, String balancer, String retry, List<InstanceState> instances,
                           List<ErrorRecord> recentErrors) {
    public UpstreamView {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(balancer, "balancer");
        Objects.requireNonNull(retry, "retry");
        instances = List.copyOf(instances);
        recentErrors = List.copyOf(recentErrors);
    }

    /** The state of the instance at {@code address} ({@code host:port}), if it is known. */
    public Optional<InstanceState> instance(String address) {
        return instances.stream().filter(i -> i.instance().address().equals(address)).findFirst();
    }

    /** Where a circuit breaker stands. */
    public enum Breaker {
        /** Calls go through. */
        CLOSED,
        /** Calls are refused without being sent; the balancer leaves the instance out. */
        OPEN,
        /** Trial calls go through; their outcome closes or reopens it. */
        HALF_OPEN
    }

    /**
     * One instance.
     *
     * @param instance where it is
     * @param pickable whether the balancer may pick it now: not ejected and its breaker not open (when every
     *     instance is out, all are pickable again, and this says so)
     * @param ejected whether outlier detection has taken it out for a while
     * @param breaker its breaker's state
     * @param inFlight calls sent to it and not yet answered
     * @param latency a moving average of its recent latencies; empty before its first answer
     * @param requests calls that reached it since it joined
     * @param failures those that failed because of it (unavailable, timed out, unexpected)
     * @param requestsPerSecond the last minute, one value per second, oldest first
     * @param p99Millis the p99 latency of each of those seconds in milliseconds, 0 for a second without calls
     */
    public record InstanceState(Instance instance, boolean pickable, boolean ejected, Breaker breaker, int inFlight,
                                Optional<Duration> latency, long requests, long failures,
                                List<Double> requestsPerSecond, List<Double> p99Millis) {
        public InstanceState {
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(breaker, "breaker");
            Objects.requireNonNull(latency, "latency");
            requestsPerSecond = List.copyOf(requestsPerSecond);
            p99Millis = List.copyOf(p99Millis);
        }
    }

    /**
     * A failed attempt, even one a retry hid.
     *
     * @param at when it failed
     * @param instance the instance that failed it
     * @param kind what went wrong, e.g. {@code unavailable}
     * @param message the detail
     */
    public record ErrorRecord(Instant at, Instance instance, String kind, String message) {
        public ErrorRecord {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }
    }
}
