package io.javakit.sd.lb;

import io.javakit.endpoint.EndpointException;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Instance;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Passive health checking, after Envoy's outlier detection and Finagle's failure accrual: every call through an
 * instance's endpoint is an observation, and an instance that fails too often is taken out of the set the
 * balancers see for a while. It needs no probe traffic and reacts within a few requests, where a circuit breaker
 * only stops calls it is asked to make: with ejection the balancer no longer picks the instance at all.
 *
 * <p>Only failures that say something about the instance count ({@link EndpointException#isInstanceFailure}:
 * unavailable, timed out, unexpected); any answer, a not-found or a bad request included, is a success, and a
 * rate limit is neither. An instance is ejected after {@link Builder#consecutiveFailures consecutive failures}, or
 * when its {@link Builder#failureRate failure rate} over a sliding window reaches a threshold. It comes back by
 * itself after {@code baseEjection × times ejected} (capped by {@link Builder#maxEjection}), so an instance that
 * fails again soon after its return stays out longer; every {@code baseEjection} it then spends admitted takes one
 * off that count, so a recovered instance starts over. Ejection never takes out more than
 * {@link Builder#maxEjectedPercent} of the instances, and never the last one: when everything fails, routing to
 * every instance beats routing to none.
 *
 * <pre>{@code
 * EjectingEndpointer<ByName, User> users = OutlierDetection.ofDefaults().wrap(Endpointer.of(instancer, factory));
 * Balancer<ByName, User> balancer = Balancers.p2c(users);
 * }</pre>
 *
 * <p>Instances mostly fail through the middleware of their endpoint; wrap endpoints whose circuit breaker answers
 * {@code UNAVAILABLE} when open, and an open breaker also counts, which is what you want.
 */
public final class OutlierDetection {
    /** Failures in a row that eject an instance: 5, Envoy's {@code consecutive_5xx}. */
    public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
    /** Share of failed requests in the window that ejects an instance: 50 %. */
    public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
    /** Requests in the window below which the failure rate is not judged, so two failures of three do not eject. */
    public static final int DEFAULT_MIN_REQUESTS = 20;
    /** The sliding window of the failure rate: 10 s, Envoy's detection interval. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** The first ejection's length; the n-th lasts n times as long: 5 s. */
    public static final Duration DEFAULT_BASE_EJECTION = Duration.ofSeconds(5);
    /**
     * The longest ejection: 60 s. A dead instance then costs about {@value #DEFAULT_CONSECUTIVE_FAILURES} failed
     * attempts a minute, which retries absorb, and a repaired one is back within a minute.
     */
    public static final Duration DEFAULT_MAX_EJECTION = Duration.ofSeconds(60);
    /** The most instances that may be out at once: 50 %, so a fault that hits everyone cannot halve capacity twice. */
    public static final int DEFAULT_MAX_EJECTED_PERCENT = 50;

    /** Why an instance was ejected. */
    public enum Reason {
        /** {@link Builder#consecutiveFailures} failures in a row. */
        CONSECUTIVE_FAILURES,
        /** The failure rate over the window reached the threshold. */
        FAILURE_RATE
    }

    /**
     * Hears of ejections and re-admissions, to count them in metrics. Called on the thread of the request that
     * caused the change, outside any lock: keep it quick.
     */
    public interface Listener {
        /** {@code instance} is out for {@code duration}. */
        default void ejected(Instance instance, Reason reason, Duration duration) {}

        /** {@code instance}, ejected before, takes traffic again. */
        default void readmitted(Instance instance) {}
    }

    private static final Listener NO_LISTENER = new Listener() {};

    final int consecutiveFailures;
    final double failureRateThreshold;
    final int minRequests;
    final long windowNanos;
    final long baseEjectionNanos;
    final long maxEjectionNanos;
    final int maxEjectedPercent;
    final Listener listener;
    final LongSupplier nanoClock;

    private OutlierDetection(Builder b) {
        this.consecutiveFailures = b.consecutiveFailures;
        this.failureRateThreshold = b.failureRateThreshold;
        this.minRequests = b.minRequests;
        this.windowNanos = b.window.toNanos();
        this.baseEjectionNanos = b.baseEjection.toNanos();
        this.maxEjectionNanos = b.maxEjection.toNanos();
        this.maxEjectedPercent = b.maxEjectedPercent;
        this.listener = b.listener;
        this.nanoClock = b.nanoClock;
    }

    private OutlierDetection(OutlierDetection base, Listener listener) {
        this.consecutiveFailures = base.consecutiveFailures;
        this.failureRateThreshold = base.failureRateThreshold;
        this.minRequests = base.minRequests;
        this.windowNanos = base.windowNanos;
        this.baseEjectionNanos = base.baseEjectionNanos;
        this.maxEjectionNanos = base.maxEjectionNanos;
        this.maxEjectedPercent = base.maxEjectedPercent;
        this.listener = listener;
        this.nanoClock = base.nanoClock;
    }

    /**
     * These rules, heard by {@code listener} as well as by this one's own: how a toolkit type that is handed the rules
     * adds its metrics without losing the caller's listener.
     */
    public OutlierDetection alsoTelling(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        Listener first = this.listener;
        return new OutlierDetection(this, new Listener() {
            @Override
            public void ejected(Instance instance, Reason reason, Duration duration) {
                first.ejected(instance, reason, duration);
                listener.ejected(instance, reason, duration);
            }

            @Override
            public void readmitted(Instance instance) {
                first.readmitted(instance);
                listener.readmitted(instance);
            }
        });
    }

    /** Every setting at its {@code DEFAULT_*}. */
    public static OutlierDetection ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * An endpointer that serves {@code endpointer}'s endpoints minus the ejected ones, each recording its outcomes.
     * Each call makes a detector of its own: wrap each service's endpointer once. Closing it closes
     * {@code endpointer}.
     */
    public <Req, Res> EjectingEndpointer<Req, Res> wrap(Endpointer<Req, Res> endpointer) {
        return new EjectingEndpointer<>(Objects.requireNonNull(endpointer, "endpointer"), this);
    }

    /** The most of {@code instances} that may be out at once: the percentage but at least one, and never all. */
    int maxEjected(int instances) {
        if (maxEjectedPercent == 0) {
            return 0;
        }
        return Math.min(instances - 1, Math.max(1, instances * maxEjectedPercent / 100));
    }

    @Override
    public String toString() {
        return "OutlierDetection(" + consecutiveFailures + " in a row or " + failureRateThreshold * 100 + " % of >= "
                + minRequests + " in " + Duration.ofNanos(windowNanos) + "; out for " + Duration.ofNanos(baseEjectionNanos)
                + " x n up to " + Duration.ofNanos(maxEjectionNanos) + "; at most " + maxEjectedPercent + " %)";
    }

    /** Settings over the {@code DEFAULT_*} values. */
    public static final class Builder {
        private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private double failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private int minRequests = DEFAULT_MIN_REQUESTS;
        private Duration window = DEFAULT_WINDOW;
        private Duration baseEjection = DEFAULT_BASE_EJECTION;
        private Duration maxEjection = DEFAULT_MAX_EJECTION;
        private int maxEjectedPercent = DEFAULT_MAX_EJECTED_PERCENT;
        private Listener listener = NO_LISTENER;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder() {}

        /** Failures in a row that eject an instance, {@code > 0}; default {@value #DEFAULT_CONSECUTIVE_FAILURES}. */
        public Builder consecutiveFailures(int failures) {
            check(failures > 0, "consecutiveFailures: " + failures + " (expected: > 0)");
            this.consecutiveFailures = failures;
            return this;
        }

        /**
         * Ejects an instance once at least {@code threshold} of its requests over the last {@code window} failed,
         * judged only from {@code minRequests} requests on; defaults 0.5, 20 and 10 s. {@code threshold} is in
         * (0, 1]; 1 ejects only instances that fail every request.
         */
        public Builder failureRate(double threshold, int minRequests, Duration window) {
            check(threshold > 0 && threshold <= 1, "threshold: " + threshold + " (expected: 0 < threshold <= 1)");
            check(minRequests > 0, "minRequests: " + minRequests + " (expected: > 0)");
            checkPositive(window, "window");
            this.failureRateThreshold = threshold;
            this.minRequests = minRequests;
            this.window = window;
            return this;
        }

        /** The first ejection's length, {@code > 0}; the n-th lasts n times as long. Default 5 s. */
        public Builder baseEjection(Duration duration) {
            checkPositive(duration, "baseEjection");
            this.baseEjection = duration;
            return this;
        }

        /** The longest ejection, {@code >= baseEjection}; default 60 s. */
        public Builder maxEjection(Duration duration) {
            checkPositive(duration, "maxEjection");
            this.maxEjection = duration;
            return this;
        }

        /**
         * The most instances, in percent of the current set, that may be out at once, 0 to 100; default 50. Above
         * 0 one instance may always be ejected, so that 10 % of three instances still means one, but the last one
         * never is. 0 turns ejection off.
         */
        public Builder maxEjectedPercent(int percent) {
            check(percent >= 0 && percent <= 100, "maxEjectedPercent: " + percent + " (expected: 0-100)");
            this.maxEjectedPercent = percent;
            return this;
        }

        /** Hears of ejections and re-admissions; none by default. */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** A {@link System#nanoTime()}-like monotonic clock; tests pass one they move. */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        public OutlierDetection build() {
            check(maxEjection.compareTo(baseEjection) >= 0,
                    "maxEjection: " + maxEjection + " (expected: >= baseEjection " + baseEjection + ")");
            return new OutlierDetection(this);
        }

        private static void checkPositive(Duration duration, String name) {
            Objects.requireNonNull(duration, name);
            check(duration.isPositive(), name + ": " + duration + " (expected: > 0)");
        }

        private static void check(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
